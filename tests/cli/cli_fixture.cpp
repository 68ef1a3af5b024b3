#include "cli/cli_fixture.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/jwt/jwt.hpp"

extern char** environ;

namespace ambient::testing::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> apply_changes(std::vector<std::string> base, const std::vector<std::string>& changes) {
    for (const auto& change : changes) {
        const auto eq = change.find('=');
        const auto name = change.substr(0, eq);
        std::erase_if(base, [&](const std::string& e) { return e.compare(0, name.size() + 1, name + "=") == 0; });
        if (eq != std::string::npos) base.push_back(change);
    }
    return base;
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    for (const auto& s : v)
        out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

std::string acpctl_path() {
    return (binary_dir() / "acpctl").string();
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

CliResult run_acpctl(const std::vector<std::string>& args, const std::vector<std::string>& env,
                     const std::string& stdin_text) {
    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    std::vector<std::string> argv_s = {acpctl_path()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    auto argv = c_strings(argv_s);
    auto envp = c_strings(env);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    // stdin is written by a thread so that a child that prints before reading never blocks us.
    std::thread writer([fd = in_pipe[1], stdin_text] {
        std::size_t done = 0;
        signal(SIGPIPE, SIG_IGN);
        while (done < stdin_text.size()) {
            const auto n = write(fd, stdin_text.data() + done, stdin_text.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        close(fd);
    });
    CliResult result;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0 && Clock::now() < deadline) {
        if (poll(fds, 2, 200) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            const auto n = read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds) {
        if (f.fd >= 0) close(f.fd);
    }
    if (open_fds > 0) kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    writer.join();
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

BackgroundCli::BackgroundCli(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    std::vector<std::string> argv_s = {acpctl_path()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    auto argv = c_strings(argv_s);
    auto envp = c_strings(env);
    const auto out_path = (dir_.path() / "out").string();
    const auto err_path = (dir_.path() / "err").string();
    pid_ = fork();
    if (pid_ == 0) {
        const int devnull = open("/dev/null", O_RDONLY);
        const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(devnull, 0);
        dup2(out, 1);
        dup2(err, 2);
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
}

BackgroundCli::~BackgroundCli() {
    if (!status_ && pid_ > 0) {
        kill(pid_, SIGINT);
        if (!wait_exit(std::chrono::seconds(5))) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
}

std::string BackgroundCli::out() const {
    return read_file(dir_.path() / "out");
}

std::string BackgroundCli::err() const {
    return read_file(dir_.path() / "err");
}

bool BackgroundCli::wait_for(const std::string& text, std::chrono::milliseconds deadline) const {
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
        if (out().find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return out().find(text) != std::string::npos;
}

std::optional<int> BackgroundCli::wait_exit(std::chrono::milliseconds deadline) {
    if (status_) return status_;
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
        int status = 0;
        const auto r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return status_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

void BackgroundCli::interrupt() {
    if (!status_) kill(pid_, SIGINT);
}

struct CliTest::Key {
    jwt::PkeyPtr pkey;
};

void CliTest::SetUp() {
    key_ = std::make_shared<Key>(Key{jwt::generate_key(jwt::Algorithm::ES256)});
    jwks_path_ = dir_.path() / "jwks.json";
    std::ofstream(jwks_path_)
        << json{{"keys", {jwt::public_jwk(key_->pkey.get(), jwt::Algorithm::ES256, "cli")}}}.dump();
    server_ = std::make_unique<ApiServer>(
        Backend::Sqlite, std::vector<std::string>{"--jwk-cert-file", jwks_path_.string(), "--oidc-issuer", kIssuer,
                                                  "--oidc-audience", kAudience});
    admin_.emplace(server_->client());
}

void CliTest::TearDown() {
    if (HasFailure() && server_) {
        const auto log = server_->process().log();
        std::cerr << "---- server log (tail) ----\n" << log.substr(log.size() > 4000 ? log.size() - 4000 : 0) << "\n";
    }
}

std::vector<std::string> CliTest::env(const EnvChanges& changes) const {
    std::vector<std::string> base = {
        "PATH=/usr/bin:/bin",
        "HOME=" + home_.path().string(),
        "XDG_CONFIG_HOME=" + (home_.path() / "config").string(),
        "AMBIENT_API_URL=" + api_url(),
        std::string("AMBIENT_TOKEN=") + kTestToken,
    };
    return apply_changes(std::move(base), changes);
}

CliResult CliTest::acpctl(const std::vector<std::string>& args, const EnvChanges& changes,
                          const std::string& stdin_text) const {
    return run_acpctl(args, env(changes), stdin_text);
}

std::unique_ptr<BackgroundCli> CliTest::acpctl_background(const std::vector<std::string>& args,
                                                          const EnvChanges& changes) const {
    return std::make_unique<BackgroundCli>(args, env(changes));
}

std::string CliTest::user_token(const std::string& user, std::chrono::seconds ttl) const {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const json claims = {{"preferred_username", user},
                         {"sub", "sub-" + user},
                         {"name", user},
                         {"email", user + "@example.com"},
                         {"iss", kIssuer},
                         {"aud", kAudience},
                         {"iat", now},
                         {"exp", now + ttl.count()}};
    return jwt::sign(claims, key_->pkey.get(), jwt::Algorithm::ES256, "cli");
}

json CliTest::made(const std::string& path, const json& body) {
    auto r = admin().post("/api/ambient/v1" + path, body.dump());
    EXPECT_EQ(r.status, 201) << "POST " << path << " " << body.dump() << ": " << r.body;
    return r.status == 201 ? r.json() : json::object();
}

std::string CliTest::api_url() const {
    return "http://" + server_->process().host() + ":" + std::to_string(server_->process().port());
}

void CliTest::restart_server() {
    const auto port = server_->process().port();
    server_->process().stop();
    // The old object keeps the data dir alive; the new server uses it and the same port.
    auto next = std::make_unique<ApiServer>(
        SharedDatabase{*server_},
        std::vector<std::string>{"--api-server-bindaddress", "127.0.0.1:" + std::to_string(port), "--jwk-cert-file",
                                 jwks_path_.string(), "--oidc-issuer", kIssuer, "--oidc-audience", kAudience});
    retired_.push_back(std::move(server_));
    server_ = std::move(next);
    admin_.emplace(server_->client());
}

}  // namespace ambient::testing::cli
