#include "support/pg_cluster.hpp"

#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>  // Debian keeps libpq's headers one level down
#endif

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <thread>

namespace ambient::testing {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDirPrefix = "ambient-pgtest-";
constexpr auto kReadyDeadline = std::chrono::seconds(30);
// Directories without an owner.pid younger than this may still be starting up.
constexpr auto kStaleGrace = std::chrono::minutes(2);
constexpr int kStartAttempts = 3;

bool running_as_root() {
    return ::geteuid() == 0;
}

bool process_alive(pid_t pid) {
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
    // A killed process that nobody has reaped yet still answers kill(); it is a zombie
    // ('Z' after the command name in /proc/<pid>/stat) and counts as gone.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const std::size_t paren = text.rfind(')');
    return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z';
}

std::optional<pid_t> read_pid(const fs::path& file) {
    std::ifstream in(file);
    long pid = 0;
    if (in >> pid && pid > 0) return static_cast<pid_t>(pid);
    return std::nullopt;
}

std::string tail_of(const std::string& path, std::size_t lines = 30) {
    std::ifstream in(path);
    if (!in) return "(no " + path + ")\n";
    std::deque<std::string> last;
    for (std::string line; std::getline(in, line);) {
        last.push_back(line);
        if (last.size() > lines) last.pop_front();
    }
    std::string out = "--- last lines of " + path + " ---\n";
    for (const auto& line : last)
        out += line + "\n";
    return out;
}

bool file_contains(const std::string& path, const std::string& needle) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (line.find(needle) != std::string::npos) return true;
    }
    return false;
}

// The bin directory of the newest PostgreSQL installed under /usr/lib/postgresql.
std::string find_bin_dir() {
    std::string best;
    int best_version = -1;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const fs::path bin = entry.path() / "bin";
        if (::access((bin / "initdb").c_str(), X_OK) != 0 || ::access((bin / "pg_ctl").c_str(), X_OK) != 0) {
            continue;
        }
        const int version = std::atoi(entry.path().filename().c_str());
        if (version > best_version) {
            best_version = version;
            best = bin.string();
        }
    }
    if (best.empty()) {
        throw std::runtime_error(
            "PgCluster: no PostgreSQL server under /usr/lib/postgresql/*/bin (install "
            "postgresql-15) and AMBIENT_TEST_PG_URL is not set");
    }
    return best;
}

std::string find_runuser() {
    for (const char* candidate : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"}) {
        if (::access(candidate, X_OK) == 0) return candidate;
    }
    throw std::runtime_error("PgCluster: running as root but runuser is missing");
}

// A TCP port that was free a moment ago. Another process may take it before the server
// binds it, which is why start() retries with a new port when binding fails.
int pick_free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("PgCluster: socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t length = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("PgCluster: cannot find a free port");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

// Runs `argv` (argv[0] an absolute path) in `cwd` with stdin from /dev/null and output
// appended to `log`; returns the exit status, or -1 when it did not exit normally.
// Everything the child needs is prepared before fork(), since only async-signal-safe
// calls are allowed between fork() and exec() in a threaded process.
int spawn_and_wait(const std::vector<std::string>& argv, const std::string& cwd, const std::string& log) {
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("PgCluster: fork failed");
    if (pid == 0) {
        const int in = ::open("/dev/null", O_RDONLY);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in >= 0) ::dup2(in, STDIN_FILENO);
        if (out >= 0) {
            ::dup2(out, STDOUT_FILENO);
            ::dup2(out, STDERR_FILENO);
        }
        if (::chdir(cwd.c_str()) != 0) ::_exit(126);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> as_postgres_user(std::vector<std::string> argv) {
    if (!running_as_root()) return argv;
    // PostgreSQL refuses to run as root; CI runs tests as root.
    std::vector<std::string> wrapped{find_runuser(), "-u", "postgres", "--"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
}

// Stops and removes clusters left in /tmp by test processes that died without cleaning
// up (a crash or SIGKILL skips static destructors).
void remove_stale_clusters(const std::string& bin_dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(kDirPrefix, 0) != 0 || !entry.is_directory(ec)) continue;
        const fs::path dir = entry.path();
        const auto owner = read_pid(dir / "owner.pid");
        if (owner) {
            if (process_alive(*owner)) continue;
        } else {
            // No owner recorded yet: it may be a cluster being created right now.
            const auto modified = fs::last_write_time(dir, ec);
            if (ec || fs::file_time_type::clock::now() - modified < kStaleGrace) continue;
        }
        const fs::path data = dir / "data";
        const auto postmaster = read_pid(data / "postmaster.pid");
        if (postmaster && process_alive(*postmaster)) {
            spawn_and_wait(
                as_postgres_user({bin_dir + "/pg_ctl", "-D", data.string(), "-m", "immediate", "-w", "stop"}), "/",
                "/dev/null");
        }
        std::fprintf(stderr, "[pg_cluster] removing stale cluster %s\n", dir.c_str());
        fs::remove_all(dir, ec);
    }
}

bool wait_until_accepting(const std::string& url) {
    const auto deadline = std::chrono::steady_clock::now() + kReadyDeadline;
    const std::string conninfo = url + "?connect_timeout=2";
    while (std::chrono::steady_clock::now() < deadline) {
        PGconn* conn = PQconnectdb(conninfo.c_str());
        const bool ok = PQstatus(conn) == CONNECTION_OK;
        PQfinish(conn);
        if (ok) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

std::string sanitise(const std::string& hint) {
    std::string out;
    for (char c : hint) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0) {
            out += static_cast<char>(std::tolower(u));
        } else if (!out.empty() && out.back() != '_') {
            out += '_';
        }
        if (out.size() >= 32) break;
    }
    return out.empty() ? "db" : out;
}

// The database name in a postgresql:// URL (the path, without query).
std::string database_of(const std::string& url) {
    const std::size_t scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const std::size_t slash = url.find('/', scheme + 3);
    if (slash == std::string::npos) return "";
    const std::size_t query = url.find('?', slash);
    return url.substr(slash + 1, query == std::string::npos ? std::string::npos : query - slash - 1);
}

// `url` pointing at `database` instead of its own.
std::string replace_database(const std::string& url, const std::string& database) {
    const std::size_t scheme = url.find("://");
    const std::size_t authority = scheme == std::string::npos ? 0 : scheme + 3;
    const std::size_t path = url.find_first_of("/?", authority);
    if (path == std::string::npos) return url + "/" + database;
    const std::size_t query = url.find('?', path);
    const std::string rest = query == std::string::npos ? "" : url.substr(query);
    return url.substr(0, path) + "/" + database + rest;
}

std::string quote_identifier(const std::string& name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// Runs one statement on the server's maintenance database; throws with the server's message.
void admin_exec(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("PgCluster: cannot connect to the test server: " + message);
    }
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    // Concurrent CREATE DATABASE calls can briefly see the template as in use (55006).
    for (int attempt = 0;; ++attempt) {
        PGresult* result = PQexec(conn, sql.c_str());
        const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        const bool busy = state != nullptr && std::strcmp(state, "55006") == 0;
        std::string message = PQerrorMessage(conn);
        PQclear(result);
        if (ok) break;
        if (busy && attempt < 50) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        PQfinish(conn);
        throw std::runtime_error("PgCluster: " + sql + ": " + message);
    }
    PQfinish(conn);
}

}  // namespace

PgCluster& PgCluster::shared() {
    // A failed start is remembered so each test fails at once instead of waiting again.
    static std::optional<std::string> failure;
    static std::mutex failure_mutex;
    {
        std::lock_guard lock(failure_mutex);
        if (failure) throw std::runtime_error(*failure);
    }
    try {
        static PgCluster cluster(/*durable=*/false);
        return cluster;
    } catch (const std::exception& e) {
        std::lock_guard lock(failure_mutex);
        failure = e.what();
        throw;
    }
}

std::unique_ptr<PgCluster> PgCluster::start_own() {
    std::unique_ptr<PgCluster> cluster(new PgCluster(/*durable=*/true));
    return cluster;
}

PgCluster::PgCluster(bool durable) : durable_(durable), owner_pid_(::getpid()) {
    if (const char* url = std::getenv("AMBIENT_TEST_PG_URL"); !durable && url != nullptr && *url != '\0') {
        external_ = true;
        external_url_ = url;
        return;
    }
    start();
}

PgCluster::~PgCluster() {
    // A forked child (a death test) must not stop its parent's server.
    if (!external_ && ::getpid() == owner_pid_) stop();
}

int PgCluster::run(const std::vector<std::string>& argv) {
    return spawn_and_wait(as_postgres_user(argv), root_dir_, command_log_);
}

void PgCluster::start() {
    bin_dir_ = find_bin_dir();
    remove_stale_clusters(bin_dir_);

    std::string pattern = std::string("/tmp/") + kDirPrefix + "XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("PgCluster: mkdtemp failed: " + std::string(std::strerror(errno)));
    }
    root_dir_ = pattern;
    data_dir_ = root_dir_ + "/data";
    server_log_ = root_dir_ + "/server.log";
    command_log_ = root_dir_ + "/commands.log";
    {
        std::ofstream owner(root_dir_ + "/owner.pid");
        owner << owner_pid_ << "\n";
    }
    if (running_as_root()) {
        const passwd* pw = ::getpwnam("postgres");
        if (pw == nullptr) {
            stop();
            throw std::runtime_error("PgCluster: running as root but there is no postgres user");
        }
        if (::chown(root_dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
            stop();
            throw std::runtime_error("PgCluster: cannot chown " + root_dir_);
        }
    }
    std::fprintf(stderr, "[pg_cluster] PostgreSQL from %s in %s; server log: %s\n", bin_dir_.c_str(), root_dir_.c_str(),
                 server_log_.c_str());

    if (run({bin_dir_ + "/initdb", "-D", data_dir_, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
             "--locale=C"}) != 0) {
        const std::string message = "PgCluster: initdb failed\n" + tail_of(command_log_);
        stop();
        throw std::runtime_error(message);
    }

    for (int attempt = 1;; ++attempt) {
        port_ = pick_free_port();
        const int status = launch();
        if (status == 0) {
            running_ = true;
            if (wait_until_accepting(url())) break;
            const std::string message =
                "PgCluster: server started but does not accept connections within 30 s\n" + tail_of(server_log_);
            stop();
            throw std::runtime_error(message);
        }
        // Someone took the port between picking and binding it: try another.
        if (attempt < kStartAttempts && file_contains(server_log_, "could not bind")) continue;
        const std::string message = "PgCluster: pg_ctl start failed\n" + tail_of(command_log_) + tail_of(server_log_);
        stop();
        throw std::runtime_error(message);
    }
    std::fprintf(stderr, "[pg_cluster] listening on 127.0.0.1:%d\n", port_);
}

std::string PgCluster::server_options() const {
    // fsync off costs nothing to a crash of the server alone (the kernel keeps what it was
    // given); an asynchronous commit would lose acknowledged writes in one.
    return "-p " + std::to_string(port_) + " -k " + root_dir_ +
           " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" +
           (durable_ ? "" : " -c synchronous_commit=off");
}

int PgCluster::launch() {
    return run(
        {bin_dir_ + "/pg_ctl", "-D", data_dir_, "-l", server_log_, "-w", "-t", "60", "-o", server_options(), "start"});
}

void PgCluster::restart(const std::string& mode) {
    if (run({bin_dir_ + "/pg_ctl", "-D", data_dir_, "-l", server_log_, "-m", mode, "-w", "-t", "60", "-o",
             server_options(), "restart"}) != 0 ||
        !wait_until_accepting(url())) {
        throw std::runtime_error("PgCluster: restart -m " + mode + " failed\n" + tail_of(command_log_) +
                                 tail_of(server_log_));
    }
}

void PgCluster::stop_server(const std::string& mode) {
    if (run({bin_dir_ + "/pg_ctl", "-D", data_dir_, "-m", mode, "-w", "stop"}) != 0) {
        throw std::runtime_error("PgCluster: stop -m " + mode + " failed\n" + tail_of(command_log_));
    }
    running_ = false;
}

void PgCluster::start_server() {
    // After a killed postmaster its backends may hold the shared memory for a moment more:
    // pg_ctl refuses to start until they have gone.
    const auto deadline = std::chrono::steady_clock::now() + kReadyDeadline;
    while (launch() != 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            throw std::runtime_error("PgCluster: start failed\n" + tail_of(command_log_) + tail_of(server_log_));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    running_ = true;
    if (!wait_until_accepting(url())) {
        throw std::runtime_error("PgCluster: started but not accepting connections\n" + tail_of(server_log_));
    }
}

void PgCluster::kill_postmaster() {
    const auto pid = read_pid(fs::path(data_dir_) / "postmaster.pid");
    if (!pid || ::kill(*pid, SIGKILL) != 0) throw std::runtime_error("PgCluster: no postmaster to kill");
    const auto deadline = std::chrono::steady_clock::now() + kReadyDeadline;
    while (process_alive(*pid)) {
        if (std::chrono::steady_clock::now() >= deadline) throw std::runtime_error("PgCluster: postmaster survived");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    running_ = false;
}

void PgCluster::stop() noexcept {
    try {
        if (running_) {
            run({bin_dir_ + "/pg_ctl", "-D", data_dir_, "-m", "immediate", "-w", "stop"});
            running_ = false;
        }
        if (!root_dir_.empty()) {
            std::error_code ec;
            fs::remove_all(root_dir_, ec);
        }
    } catch (...) {
        // Process exit: the next run's stale-cluster sweep finishes the job.
    }
}

std::string PgCluster::url_for(const std::string& database) const {
    if (external_) return replace_database(external_url_, database);
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PgCluster::url() const {
    return external_ ? external_url_ : url_for("postgres");
}

std::string PgCluster::create_database(std::string name_hint) {
    std::uint64_t serial = 0;
    {
        std::lock_guard lock(mutex_);
        serial = ++next_database_;
    }
    // The pid keeps names apart when several test processes share one external server.
    const std::string name =
        "t_" + sanitise(name_hint) + "_" + std::to_string(owner_pid_) + "_" + std::to_string(serial);
    admin_exec(url(), "CREATE DATABASE " + quote_identifier(name));
    return url_for(name);
}

void PgCluster::drop_database(const std::string& url_or_name) {
    const std::string name = database_of(url_or_name);
    if (name.empty()) return;
    admin_exec(url(), "DROP DATABASE IF EXISTS " + quote_identifier(name) + " WITH (FORCE)");
}

}  // namespace ambient::testing
