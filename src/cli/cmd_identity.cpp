// Who the user is and where they work: login (a token, the OIDC authorization-code flow with
// PKCE, or the client-credentials grant), logout, whoami (asks the server), version (the
// client's and the server's), config get|set and project. Upstream's messages throughout.
#include <fcntl.h>
#include <spawn.h>

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/jwt_claims.hpp"
#include "cli/oidc.hpp"
#include "cli/output.hpp"
#include "common/client/http_client.hpp"
#include "common/version.hpp"

extern char** environ;

namespace ambient::cli {
namespace {

// whoami's labels, upstream's width.
constexpr int kLabelWidth = 12;
// A token that expires sooner than this after login is worth a warning (upstream's 24 h).
constexpr auto kExpiresSoon = std::chrono::hours(24);
// `version` must not hang on a server that does not answer.
constexpr auto kVersionTimeout = std::chrono::seconds(5);

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

void print_labelled(const std::string& label, const std::string& value) {
    std::cout << label << std::string(label.size() < kLabelWidth ? kLabelWidth - label.size() : 1, ' ') << value
              << "\n";
}

// Upstream's check: a DNS label, as project ids are.
bool is_dns_label(const std::string& name) {
    const auto allowed = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
    return !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), allowed) &&
           name.front() != '-' && name.back() != '-';
}

void check_project_name(const std::string& name) {
    if (!is_dns_label(name)) {
        throw usage_error("invalid project name: \"" + name +
                          "\" (lower-case letters, digits and '-', starting and ending with a letter or digit, at "
                          "most 63 characters)");
    }
}

// ---------------------------------------------------------------------------------- login

struct LoginOptions {
    std::string url_argument;
    std::string url;
    std::string token;
    std::string project;
    bool use_auth_code = false;
    bool client_credentials = false;
    std::string issuer_url = kDefaultIssuerUrl;
    std::string client_id;
    std::string client_secret;
    bool insecure = false;
    CLI::Option* token_option = nullptr;
};

std::string token_from_stdin() {
    std::string token(std::istreambuf_iterator<char>(std::cin), {});
    const auto end = token.find_last_not_of(" \t\r\n");
    token.erase(end == std::string::npos ? 0 : end + 1);
    const auto start = token.find_first_not_of(" \t\r\n");
    token.erase(0, start == std::string::npos ? token.size() : start);
    if (token.empty()) throw usage_error("--token -: no token on stdin");
    return token;
}

// A browser only when the environment says there is one: $BROWSER names it, else xdg-open
// under a display. Never required: the URL is printed either way.
void try_open_browser(const std::string& url) {
    std::string program = env("BROWSER");
    if (program.empty() && (!env("DISPLAY").empty() || !env("WAYLAND_DISPLAY").empty())) program = "xdg-open";
    if (program.empty()) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::string url_argument = url;
    char* argv[] = {program.data(), url_argument.data(), nullptr};
    pid_t pid = 0;
    posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
}

void announce_authorization_url(const std::string& url) {
    std::cerr << "Open this URL in a browser to log in:\n\n  " << url << "\n\nWaiting for the login to complete...\n";
    std::cerr.flush();
    try_open_browser(url);
}

void warn_about_expiry(const std::string& token) {
    const auto expiry = token_expiry(token);
    if (!expiry) return;
    const auto now = std::chrono::system_clock::now();
    if (*expiry <= now) {
        std::cerr << "Warning: token is already expired (at " << rfc3339_seconds(*expiry) << ")\n";
    } else if (*expiry - now < kExpiresSoon) {
        std::cerr << "Warning: token expires soon (at " << rfc3339_seconds(*expiry) << ")\n";
    }
}

void check_login_mode(const LoginOptions& o) {
    const int modes = (o.token_option->count() > 0) + o.use_auth_code + o.client_credentials;
    if (modes != 1) throw usage_error("exactly one of --token, --use-auth-code, or --client-credentials is required");
    if (o.client_credentials && (o.client_id.empty() || o.client_secret.empty()))
        throw usage_error("--client-credentials needs --client-id and --client-secret");
}

// Stores what the chosen mode obtained. A static token forgets an earlier OIDC login's
// refresh token: renewing would otherwise replace the token the user just gave.
void store_tokens(Config& config, const LoginOptions& o) {
    if (o.token_option->count() > 0) {
        config.access_token = o.token == "-" ? token_from_stdin() : o.token;
        if (config.access_token.empty()) throw usage_error("--token must not be empty");
        config.refresh_token.clear();
        config.issuer_url.clear();
        config.client_id.clear();
        warn_about_expiry(config.access_token);
        return;
    }
    OidcClient client{o.issuer_url, o.client_id.empty() ? kDefaultClientId : o.client_id, o.client_secret};
    const auto tokens = o.use_auth_code ? login_with_auth_code(client, announce_authorization_url)
                                        : login_with_client_credentials(client);
    config.access_token = tokens.access_token;
    config.refresh_token = tokens.refresh_token;
    config.issuer_url = client.issuer_url;
    config.client_id = client.client_id;
    if (tokens.refresh_token.empty()) warn_about_expiry(config.access_token);
}

void login(Context& ctx, const LoginOptions& o) {
    check_login_mode(o);
    const auto url = o.url_argument.empty() ? o.url : o.url_argument;
    auto& config = ctx.config();
    if (!url.empty()) config.api_url = checked_api_url(url);
    if (!o.project.empty()) {
        check_project_name(o.project);
        config.project = o.project;
    }
    config.insecure_tls_verify = o.insecure || ctx.globals.insecure_skip_tls_verify;
    store_tokens(config, o);
    ctx.save_config();
    std::cout << "Login successful. Configuration saved to " << ctx.config_path().string() << "\n";
}

void add_login(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<LoginOptions>();
    auto* cmd = app.add_subcommand("login", "Log in to the API server and save the configuration");
    cmd->add_option("url", o->url_argument, "API server URL (e.g. https://ambient.example.com)");
    cmd->add_option("--url", o->url, "API server URL (when not given as the argument)");
    o->token_option = cmd->add_option("--token", o->token, "Bearer token; '-' reads it from stdin");
    cmd->add_option("--project", o->project, "Project to use from now on");
    cmd->add_flag("--use-auth-code", o->use_auth_code, "Log in through the browser (OIDC authorization code + PKCE)");
    cmd->add_flag("--client-credentials", o->client_credentials, "Log in as a client (OIDC client credentials)");
    cmd->add_option("--issuer-url", o->issuer_url, "OIDC issuer URL")->capture_default_str();
    cmd->add_option("--client-id", o->client_id, std::string("OIDC client id (default ") + kDefaultClientId + ")");
    cmd->add_option("--client-secret", o->client_secret, "OIDC client secret (never saved)");
    cmd->add_flag("--insecure-skip-tls-verify", o->insecure, "Do not verify the server's TLS certificate (saved)");
    cmd->callback([&ctx, o] { login(ctx, *o); });
}

// ---------------------------------------------------------------------------- logout, whoami

void add_logout(CLI::App& app, Context& ctx) {
    app.add_subcommand("logout", "Forget the saved tokens (the URL and project are kept)")->callback([&ctx] {
        auto& config = ctx.config();
        config.access_token.clear();
        config.refresh_token.clear();
        ctx.save_config();
        std::cout << "Logged out successfully.\n";
    });
}

struct WhoamiOptions {
    bool show_token = false;
    std::string output;
};

void whoami(Context& ctx, const WhoamiOptions& o) {
    const auto format = parse_format(o.output);
    if (o.show_token) {
        std::cout << ctx.token();
        return;
    }
    const auto me = ctx.api().get("/users/me", "whoami");
    if (format == Format::Json) return print_json(std::cout, me);
    if (format == Format::Yaml) return print_yaml(std::cout, me);
    // User: first, always: scripts read it with awk '/^User:/{print $2}'.
    print_labelled("User:", me.value("username", std::string("(unknown)")));
    for (const auto& [label, field] :
         {std::pair{"Name:", "name"}, {"Email:", "email"}, {"Type:", "type"}, {"Expires:", "expires_at"}}) {
        if (const auto value = me.value(field, std::string()); !value.empty()) print_labelled(label, value);
    }
    print_labelled("API URL:", ctx.api_url());
    const auto project = ctx.project();
    print_labelled("Project:", project.empty() ? "(not set)" : project);
}

void add_whoami(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<WhoamiOptions>();
    auto* cmd = app.add_subcommand("whoami", "Show who the server takes you for");
    cmd->add_flag("-t,--show-token", o->show_token, "Print the token itself (no newline)");
    cmd->add_option("-o,--output", o->output, "Output format: json or yaml");
    cmd->callback([&ctx, o] { whoami(ctx, *o); });
}

// ---------------------------------------------------------------------------------- version

// "<version> (commit: <c>)" of the server, or why there is none. Unauthenticated: the
// version is public, and `version` must work before login.
std::string server_version(Context& ctx) {
    try {
        client::ClientOptions options;
        options.connect_timeout = kVersionTimeout;
        options.request_timeout = kVersionTimeout;
        options.insecure_skip_verify = ctx.insecure();
        const auto response =
            client::HttpClient(ctx.api_url(), options)
                .request("GET", "/api/ambient/v1/version", {},
                         {{"Accept", "application/json"}, {"User-Agent", std::string("acpctl/") + kPlatformVersion}});
        const auto body = nlohmann::json::parse(response.body, nullptr, false);
        if (response.status != 200 || !body.is_object())
            return "unavailable (HTTP " + std::to_string(response.status) + ")";
        return body.value("version", std::string("unknown")) +
               " (commit: " + body.value("git_commit", std::string("unknown")) + ")";
    } catch (const std::exception& e) {
        return std::string("unavailable (") + e.what() + ")";
    }
}

void add_version(CLI::App& app, Context& ctx) {
    app.add_subcommand("version", "Show the client's and the server's versions")->callback([&ctx] {
        std::cout << "Client: " << kPlatformVersion << " (commit: " << build_commit() << ")\n";
        std::cout.flush();  // the server may take its time; show what is known already
        std::cout << "Server: " << server_version(ctx) << "\n";
    });
}

// ----------------------------------------------------------------------------------- config

constexpr const char* kGettableKeys = "api_url, project, pager, access_token, request_timeout";
constexpr const char* kSettableKeys = "api_url, project, pager, request_timeout";

std::string or_not_set(const std::string& value) {
    return value.empty() ? "(not set)" : value;
}

void config_get(Context& ctx, const std::string& key) {
    if (key == "api_url") {
        std::cout << ctx.api_url() << "\n";
    } else if (key == "project") {
        std::cout << or_not_set(ctx.project()) << "\n";
    } else if (key == "pager") {
        std::cout << or_not_set(ctx.config().pager) << "\n";
    } else if (key == "access_token") {
        const bool set = !env("AMBIENT_TOKEN").empty() || !ctx.config().access_token.empty();
        std::cout << (set ? "[REDACTED]" : "(not set)") << "\n";
    } else if (key == "request_timeout") {
        std::cout << ctx.request_timeout().count() << "\n";
    } else {
        throw usage_error("unknown config key: " + key + " (valid keys: " + kGettableKeys + ")");
    }
}

int positive_seconds(const std::string& text) {
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0' || n <= 0 || n > 24 * 3600)
        throw usage_error("request_timeout must be a positive number of seconds, not \"" + text + "\"");
    return static_cast<int>(n);
}

void config_set(Context& ctx, const std::string& key, const std::string& value) {
    auto& config = ctx.config();
    if (key == "api_url") {
        config.api_url = checked_api_url(value);
    } else if (key == "project") {
        check_project_name(value);
        config.project = value;
    } else if (key == "pager") {
        config.pager = value;
    } else if (key == "request_timeout") {
        config.request_timeout = positive_seconds(value);
    } else {
        throw usage_error("unknown config key: " + key + " (valid keys: " + kSettableKeys + ")");
    }
    ctx.save_config();
    std::cout << "Set " << key << " = " << value << "\n";
}

void add_config(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("config", "Read or change the configuration file");
    cmd->require_subcommand(1);
    auto key = std::make_shared<std::string>();
    auto value = std::make_shared<std::string>();
    auto* get = cmd->add_subcommand("get", "Print a configuration value");
    get->add_option("key", *key, kGettableKeys)->required();
    get->callback([&ctx, key] { config_get(ctx, *key); });
    auto* set = cmd->add_subcommand("set", "Change a configuration value");
    set->add_option("key", *key, kSettableKeys)->required();
    set->add_option("value", *value, "The new value")->required();
    set->callback([&ctx, key, value] { config_set(ctx, *key, *value); });
}

// ---------------------------------------------------------------------------------- project

void project_current(Context& ctx) {
    if (const auto from_env = env("AMBIENT_PROJECT"); !from_env.empty()) {
        std::cout << "Current project: " << from_env << " (from AMBIENT_PROJECT environment variable)\n";
    } else if (!ctx.config().project.empty()) {
        std::cout << "Current project: " << ctx.config().project << "\n";
    } else {
        std::cout << "No project context set\nUse 'acpctl project set <project-name>' to set a project context\n";
    }
}

void project_set(Context& ctx, const std::string& name) {
    check_project_name(name);
    const auto response = ctx.api().request("GET", "/projects/" + escape(name));
    if (response.status == 404) {
        throw CliError(
            "project \"" + name + "\" does not exist; create it first with: acpctl create project --name " + name,
            kExitNotFound);
    }
    if (response.status != 200) Api::fail(response, "get project \"" + name + "\"");
    ctx.config().project = name;
    ctx.save_config();
    std::cout << "Switched to project \"" << name << "\"\n";
}

void project_list(Context& ctx, const std::string& output) {
    const auto format = parse_format(output);
    const auto list = ctx.api().get("/projects?page=1&size=100", "list projects");
    std::vector<Json> projects;
    for (const auto& item : list.value("items", Json::array()))
        projects.push_back(item);
    if (projects.empty() && (format == Format::Table || format == Format::Wide)) {
        std::cout << "No projects found\n";
        return;
    }
    const std::vector<Column> columns = {field_column("NAME", 30, "name"),
                                         field_column("DESCRIPTION", 50, "description"), age_column(10)};
    print_objects(std::cout, format, "project", columns, {}, projects, list);
}

void add_project(CLI::App& app, Context& ctx) {
    auto name = std::make_shared<std::string>();
    auto output = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("project", "Show or switch the current project ('project NAME' switches)");
    cmd->require_subcommand(0, 1);
    cmd->add_option("name", *name, "Project to switch to");
    auto* set = cmd->add_subcommand("set", "Switch to a project (it must exist)");
    set->add_option("name", *name, "Project name")->required();
    set->callback([&ctx, name] { project_set(ctx, *name); });
    cmd->add_subcommand("current", "Show the current project")->callback([&ctx] { project_current(ctx); });
    auto* list = cmd->add_subcommand("list", "List the projects");
    list->add_option("-o,--output", *output, "Output format: json, yaml or name");
    list->callback([&ctx, output] { project_list(ctx, *output); });
    // Without a subcommand: `project` shows, `project NAME` switches (CLI11 runs this after a
    // subcommand's callback too, hence the check).
    cmd->callback([&ctx, cmd, name] {
        if (!cmd->get_subcommands().empty()) return;
        if (name->empty()) return project_current(ctx);
        project_set(ctx, *name);
    });
}

}  // namespace

void register_identity(CLI::App& app, Context& ctx) {
    add_login(app, ctx);
    add_logout(app, ctx);
    add_whoami(app, ctx);
    add_version(app, ctx);
    add_config(app, ctx);
    add_project(app, ctx);
}

}  // namespace ambient::cli
