// ambient-api-server: the composition root. Parts are built in order and destroyed in
// reverse: the client for runners, database, migrations, tokens, app (routes), HTTP server.
#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <pthread.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

#include "api/app.hpp"
#include "api/audit/audit_retention.hpp"
#include "api/auth/runner_tokens.hpp"
#include "api/credentials/keyring.hpp"
#include "api/credentials/stored_tokens.hpp"
#include "api/schema_migrations.hpp"
#include "api/seed_admin.hpp"
#include "api/store/migrations.hpp"
#include "api/web_console.hpp"
#include "common/buffered_log_sink.hpp"
#include "common/duration.hpp"
#include "common/http/descriptor_limit.hpp"
#include "common/http/server.hpp"
#include "common/http/stream_client.hpp"
#include "common/version.hpp"

namespace {

using namespace ambient;

struct Options {
    std::string bind = "localhost:8000";
    std::string data_dir = "./data";
    std::string db_url;
    std::string token_file;
    std::size_t db_connections = 16;
    std::string db_statement_timeout = "30s";
    std::string db_connect_timeout = "5s";
    std::size_t sqlite_memory_mib = 8;
    std::string stream_ping_interval = "30s";
    std::size_t workers = 8;
    std::size_t io_threads = 1;
    std::size_t max_connections = 0;  // 0: derived from the descriptor limit
    std::size_t max_connections_per_ip = 256;
    std::int64_t stream_write_timeout_seconds = 30;
    std::string shutdown_grace = "10s";
    bool bench_ceiling = false;
    std::int64_t event_retention_count = api::kDefaultEventRetentionCount;
    std::string event_retention_age{api::kDefaultEventRetentionAge};
    bool dry_run = false;  // encrypt-credentials
    std::string jwk_cert_file;
    std::string jwk_cert_url;
    std::string oidc_issuer;
    std::string oidc_audience;
    std::string runner_token_ttl = "15m";
    std::size_t max_streams_per_principal = 32;
    bool trust_forwarded_access_token = false;
    std::string audit_retention{api::kDefaultAuditRetention};
    std::string runner_ca_file;
    std::string web_dir;  // empty: the console built with this binary, when there is one
    bool no_web = false;
};

constexpr const char* kVersion = ambient::kPlatformVersion;

std::pair<std::string, std::uint16_t> split_bind_address(const std::string& bind) {
    const auto colon = bind.rfind(':');
    if (colon == std::string::npos) throw CLI::ValidationError("--api-server-bindaddress", "expected HOST:PORT");
    std::string host = bind.substr(0, colon);
    if (host.empty()) host = "0.0.0.0";
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    int port = 0;
    try {
        port = std::stoi(bind.substr(colon + 1));
    } catch (...) {
        port = -1;
    }
    if (port < 0 || port > 65535) throw CLI::ValidationError("--api-server-bindaddress", "bad port in " + bind);
    return {host, static_cast<std::uint16_t>(port)};
}

// A timeout flag's value: a positive duration of at most an hour.
std::chrono::seconds timeout_flag(const char* flag, const std::string& text) {
    const auto value = parse_duration(text, std::chrono::hours(1));
    if (!value || value->count() == 0) {
        throw std::runtime_error(std::string(flag) +
                                 ": expected a positive number of seconds, or with s, m or h (1h at most)");
    }
    return *value;
}

std::unique_ptr<store::Database> open_database(const Options& opt) {
    store::DatabaseOptions db_options;
    db_options.pool_size = opt.db_connections;
    db_options.statement_timeout = timeout_flag("--db-statement-timeout", opt.db_statement_timeout);
    db_options.connect_timeout = timeout_flag("--db-connect-timeout", opt.db_connect_timeout);
    db_options.sqlite_memory_limit = static_cast<std::int64_t>(opt.sqlite_memory_mib) << 20;
    if (!opt.db_url.empty()) return store::open_postgres(opt.db_url, db_options);
    return store::open_sqlite(opt.data_dir, db_options);
}

std::string describe_database(const Options& opt) {
    if (!opt.db_url.empty()) return "PostgreSQL";
    return "SQLite " + (std::filesystem::path(opt.data_dir) / "ambient.db").string();
}

void migrate(store::Database& db) {
    const auto applied = store::apply_migrations(db, api::schema_migrations());
    for (int id : applied)
        spdlog::info("applied migration {}", id);
    if (applied.empty()) spdlog::info("database schema is up to date");
}

api::ServiceTokens load_tokens(const Options& opt) {
    api::ServiceTokens tokens;
    if (const char* env = std::getenv("AMBIENT_API_TOKEN"); env != nullptr && *env != '\0') tokens.add(env);
    if (!opt.token_file.empty()) {
        for (const auto& t : api::read_token_file(opt.token_file))
            tokens.add(t);
    }
    if (tokens.empty()) {
        // Never run open: with nothing configured, generate a token and say where it is.
        std::filesystem::create_directories(opt.data_dir);
        const auto path = std::filesystem::path(opt.data_dir) / "api-token";
        bool created = false;
        tokens.add(api::load_or_create_token(path, created));
        spdlog::warn("no AMBIENT_API_TOKEN or --token-file: {} the service token in {} (mode 0600)",
                     created ? "generated" : "using", path.string());
    }
    return tokens;
}

// Service tokens always; OIDC user tokens when a key set is configured.
std::unique_ptr<api::Authenticator> make_authenticator(const Options& opt) {
    if (!opt.jwk_cert_file.empty() && !opt.jwk_cert_url.empty()) {
        throw std::runtime_error("--jwk-cert-file and --jwk-cert-url are exclusive");
    }
    std::unique_ptr<api::JwksProvider> jwks;
    if (!opt.jwk_cert_file.empty()) jwks = api::JwksProvider::from_file(opt.jwk_cert_file);
    if (!opt.jwk_cert_url.empty()) jwks = api::JwksProvider::from_url(opt.jwk_cert_url);
    if (jwks) spdlog::info("accepting OIDC tokens signed by {} key(s)", jwks->keys()->size());
    return std::make_unique<api::Authenticator>(
        load_tokens(opt), std::move(jwks),
        api::OidcOptions{.issuer = opt.oidc_issuer,
                         .audience = opt.oidc_audience,
                         .trust_forwarded_access_token = opt.trust_forwarded_access_token});
}

// The client of the events proxy, trusting the system's CA store and --runner-ca-file.
std::unique_ptr<http::StreamClient> make_runner_client(const Options& opt) {
    try {
        return std::make_unique<http::StreamClient>(http::StreamClientOptions{.extra_ca_file = opt.runner_ca_file});
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("--runner-ca-file: ") + e.what());
    }
}

// The web console to serve: --web-dir's when given (which must hold a built console), else
// the one built beside this binary (<exe dir>/../web, as in the build tree and an install
// prefix), else the build tree's; none at all only logs, since the API works without it.
std::optional<api::WebConsole> load_web_console(const Options& opt) {
    if (opt.no_web) return std::nullopt;
    if (!opt.web_dir.empty()) {
        auto console = api::WebConsole::load(opt.web_dir);
        spdlog::info("serving the web console from {} ({} files)", opt.web_dir, console.file_count());
        return console;
    }
    std::vector<std::filesystem::path> candidates;
    std::error_code error;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) candidates.push_back(exe.parent_path().parent_path() / "web");
#ifdef AMBIENT_WEB_BUILD_DIR
    candidates.emplace_back(AMBIENT_WEB_BUILD_DIR);
#endif
    for (const auto& dir : candidates) {
        if (!std::filesystem::is_regular_file(dir / "index.html")) continue;
        auto console = api::WebConsole::load(dir);
        spdlog::info("serving the web console from {} ({} files)", dir.string(), console.file_count());
        return console;
    }
    spdlog::warn("no web console built (looked in {}); serving the API only. `make build` builds it with npm",
                 candidates.empty() ? std::string("<none>") : candidates.front().string());
    return std::nullopt;
}

int serve(const Options& opt) {
    // Block SIGINT/SIGTERM in every thread and collect them with sigwait below: a signal
    // that arrives as soon as the listening line is out is then never lost. First thing,
    // before any thread starts (the runner client's, the App's stream pool): threads inherit
    // this mask, and one that did not block the signals would take it and end the process at
    // once.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    // The request log is buffered (buffered_log_sink.hpp); this thread writes it out.
    spdlog::flush_every(kLogFlushInterval);
    const auto descriptors = http::raise_descriptor_limit();
    spdlog::info("open-file limit {} (was {})", descriptors.now, descriptors.before);
    const auto [host, port] = split_bind_address(opt.bind);
    // Before the App and the server, and outliving them: open event streams are read on its
    // thread until the server has stopped.
    const auto runner_client = make_runner_client(opt);
    auto db = open_database(opt);
    migrate(*db);
    const auto keyring = api::credentials::load_configured_keyring(opt.data_dir);
    api::credentials::check_stored_tokens(*db, keyring);
    const auto runner_token_ttl = api::parse_runner_token_ttl(opt.runner_token_ttl);
    if (!runner_token_ttl) {
        throw std::runtime_error("--runner-token-ttl: expected seconds or a number with s, m or h, at most 24h");
    }
    const auto audit_retention = api::parse_audit_retention(opt.audit_retention);
    if (!audit_retention) throw std::runtime_error("--audit-retention: expected 0 or a number with s, m, h or d");
    const auto event_retention_age = api::parse_event_retention_age(opt.event_retention_age);
    if (!event_retention_age) {
        throw std::runtime_error("--event-retention-age: expected 0 or a number with s, m, h or d");
    }
    const auto web_console = load_web_console(opt);
    api::RunnerTokens runner_tokens(*db, keyring, *runner_token_ttl);
    auto authenticator = make_authenticator(opt);
    authenticator->set_runner_tokens(&runner_tokens);
    api::App app(*db, std::move(authenticator),
                 {.version = kVersion,
                  .data_dir = opt.data_dir,
                  // Streams' reads never hold more than half the database connections, so
                  // requests (and /healthcheck) always find one.
                  .stream_threads = std::clamp<std::size_t>(opt.db_connections / 2, 1, 4),
                  .bench_ceiling = opt.bench_ceiling,
                  .keyring = &keyring,
                  .event_retention_count = opt.event_retention_count,
                  .event_retention_age = *event_retention_age,
                  .runner_tokens = &runner_tokens,
                  .runner_client = runner_client.get(),
                  .max_streams_per_principal = opt.max_streams_per_principal,
                  .audit_retention = *audit_retention,
                  .stream_ping_interval = timeout_flag("--stream-ping-interval", opt.stream_ping_interval),
                  .web_console = web_console ? &*web_console : nullptr});
    if (!opt.db_url.empty()) app.notifier().listen_postgres(opt.db_url);

    http::ServerOptions server_options;
    server_options.host = host == "localhost" ? "127.0.0.1" : host;
    server_options.port = port;
    server_options.worker_threads = opt.workers;
    server_options.io_threads = opt.io_threads;
    server_options.max_connections = opt.max_connections;
    server_options.max_connections_per_client = opt.max_connections_per_ip;
    server_options.stream_write_timeout = std::chrono::seconds(opt.stream_write_timeout_seconds);
    const auto shutdown_grace = parse_duration(opt.shutdown_grace, std::chrono::hours(1));
    if (!shutdown_grace)
        throw std::runtime_error("--shutdown-grace: expected seconds or a number with s or m, at most 1h");
    server_options.shutdown_grace = *shutdown_grace;
    http::ServerHooks hooks;
    hooks.before = [&app](http::Request& req, const http::Route* route) { return app.authenticate(req, route); };
    hooks.after = [&app](const http::Request& req, int status, double seconds) { app.record(req, status, seconds); };
    hooks.stopping = [&app] { app.wake_streams(); };

    http::Server server(server_options, app.router(), hooks);
    server.start();

    // Tests and scripts read this line to learn the port when it was 0.
    std::cout << "ambient-api-server listening on " << server_options.host << ":" << server.port() << " ("
              << describe_database(opt) << ")" << std::endl;
    if (opt.token_file.empty() && std::getenv("AMBIENT_API_TOKEN") == nullptr) {
        const auto token_path = std::filesystem::path(opt.data_dir) / "api-token";
        std::cout << "try: curl -H \"Authorization: Bearer $(cat " << token_path.string() << ")\" http://"
                  << server_options.host << ":" << server.port() << "/api/ambient/v1/projects" << std::endl;
    }
    int signal = 0;
    sigwait(&stop_signals, &signal);
    spdlog::info("signal {} received, shutting down", signal);
    server.stop();
    spdlog::info("ambient-api-server stopped");
    return 0;
}

int encrypt_credentials(const Options& opt) {
    auto db = open_database(opt);
    migrate(*db);
    const auto keyring = api::credentials::load_configured_keyring(opt.data_dir);
    return api::credentials::encrypt_credentials_command(*db, keyring, opt.dry_run, std::cout);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"ambient-api-server: the Ambient platform's REST API"};
    cli.require_subcommand(1);
    Options opt;

    auto add_database_options = [&opt](CLI::App* cmd) {
        cmd->add_option("--data-dir", opt.data_dir, "Directory for the SQLite database and generated secrets")
            ->capture_default_str();
        cmd->add_option("--db-url", opt.db_url, "postgresql://… to use PostgreSQL instead of SQLite")
            ->envname("AMBIENT_DB_URL");
        cmd->add_option("--db-max-open-connections", opt.db_connections, "Database connection pool size")
            ->capture_default_str();
        cmd->add_option("--db-statement-timeout", opt.db_statement_timeout,
                        "Longest a database statement may run before it fails (503): 30s, 2m")
            ->capture_default_str();
        cmd->add_option("--db-connect-timeout", opt.db_connect_timeout,
                        "PostgreSQL: longest a new connection may take (whole seconds, at least 2); while the "
                        "database is down requests fail (503) within it")
            ->capture_default_str();
        cmd->add_option("--sqlite-memory-mib", opt.sqlite_memory_mib,
                        "SQLite: most memory (MiB) its page caches and statements may keep, all connections "
                        "together; 0: unbounded")
            ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 20))
            ->capture_default_str();
    };

    auto* serve_cmd = cli.add_subcommand("serve", "Apply migrations and serve the API");
    serve_cmd->add_option("--api-server-bindaddress", opt.bind, "HOST:PORT to listen on (port 0: any free port)")
        ->capture_default_str();
    add_database_options(serve_cmd);
    serve_cmd->add_option("--token-file", opt.token_file, "File of service tokens, one per line");
    serve_cmd->add_option("--jwk-cert-file", opt.jwk_cert_file, "JWKS file with the keys that sign user tokens");
    serve_cmd->add_option("--jwk-cert-url", opt.jwk_cert_url, "JWKS URL with the keys that sign user tokens")
        ->envname("JWK_CERT_URL");
    serve_cmd->add_option("--oidc-issuer", opt.oidc_issuer, "Required `iss` of user tokens");
    serve_cmd->add_option("--oidc-audience", opt.oidc_audience, "Required `aud` of user tokens");
    serve_cmd
        ->add_option("--runner-token-ttl", opt.runner_token_ttl,
                     "Lifetime of runner tokens: seconds (900) or a number with s, m or h (15m); at most 24h")
        ->capture_default_str();
    serve_cmd->add_flag("--trust-forwarded-access-token", opt.trust_forwarded_access_token,
                        "Read user JWTs from X-Forwarded-Access-Token (only behind an OAuth proxy that sets it)");
    serve_cmd
        ->add_option("--audit-retention", opt.audit_retention,
                     "Delete audit events older than this: 90d, 12h, 30m, 45s; 0 keeps them forever")
        ->capture_default_str();
    serve_cmd->add_option("--runner-ca-file", opt.runner_ca_file,
                          "PEM file of CA certificates trusted for https runner_urls, besides the system's store");
    serve_cmd->add_option("--http-workers", opt.workers, "Threads that run request handlers")->capture_default_str();
    serve_cmd->add_option("--http-io-threads", opt.io_threads, "Threads that do network I/O")->capture_default_str();
    serve_cmd
        ->add_option("--max-streams-per-principal", opt.max_streams_per_principal,
                     "Streams one user or runner may hold open at once (429 past it; 0: no cap)")
        ->capture_default_str();
    serve_cmd
        ->add_option("--max-connections", opt.max_connections,
                     "Client connections open at once (0: half the open-file limit less a reserve)")
        ->capture_default_str();
    serve_cmd
        ->add_option("--max-connections-per-ip", opt.max_connections_per_ip,
                     "Connections one client address (an IPv6 /64) may hold (0: no cap)")
        ->capture_default_str();
    serve_cmd
        ->add_option("--stream-write-timeout", opt.stream_write_timeout_seconds,
                     "Seconds a stream may wait for its reader to take any byte before it is closed")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    serve_cmd
        ->add_option("--shutdown-grace", opt.shutdown_grace,
                     "On SIGTERM, how long requests and streams in flight get to finish before their connections "
                     "are closed: seconds or a number with s or m, at most 1h")
        ->capture_default_str();
    serve_cmd
        ->add_option("--stream-ping-interval", opt.stream_ping_interval,
                     "A watch or message stream that sent nothing for this long sends a ping comment: 30s, 1m")
        ->capture_default_str();
    auto* web_dir_option =
        serve_cmd->add_option("--web-dir", opt.web_dir,
                              "Serve the web console built in this directory (default: the one built with the binary)");
    serve_cmd->add_flag("--no-web", opt.no_web, "Serve no web console, the API only")->excludes(web_dir_option);
    serve_cmd->add_flag("--bench-ceiling", opt.bench_ceiling, "Benchmark only: add storage-free reference routes");
    serve_cmd
        ->add_option("--event-retention-count", opt.event_retention_count,
                     "Newest events kept for watch streams to resume from")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    serve_cmd
        ->add_option("--event-retention-age", opt.event_retention_age,
                     "Prune events older than this as well (the newest is kept): 7d, 12h, 30m, 45s; 0: no age limit")
        ->capture_default_str();

    auto* migrate_cmd = cli.add_subcommand("migrate", "Apply database migrations and exit");
    add_database_options(migrate_cmd);

    auto* encrypt_cmd = cli.add_subcommand(
        "encrypt-credentials", "Encrypt every stored credential token with the active key version, then exit");
    add_database_options(encrypt_cmd);
    encrypt_cmd->add_flag("--dry-run", opt.dry_run, "Count what would change; write nothing");

    std::string admin_username;
    auto* seed_admin_cmd =
        cli.add_subcommand("seed-admin", "Bind a user to platform:admin at global scope (the first admin), then exit");
    add_database_options(seed_admin_cmd);
    seed_admin_cmd->add_option("--username", admin_username, "The user's username (as in their OIDC token)")
        ->required();

    CLI11_PARSE(cli, argc, argv);
    // Everything the server creates — the database and its WAL, keys, tokens — is its own.
    ::umask(077);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    // Logs go to stderr; stdout carries only the listening line scripts read.
    install_server_logger("ambient");
    // Whatever the way out, the buffered log is written out before the process ends.
    struct LogFlush {
        ~LogFlush() { spdlog::shutdown(); }
    } log_flush;
    try {
        if (*migrate_cmd) {
            auto db = open_database(opt);
            migrate(*db);
            return 0;
        }
        if (*encrypt_cmd) return encrypt_credentials(opt);
        if (*seed_admin_cmd) {
            auto db = open_database(opt);
            migrate(*db);
            api::seed_admin(*db, admin_username, std::cout);
            return 0;
        }
        return serve(opt);
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
}
