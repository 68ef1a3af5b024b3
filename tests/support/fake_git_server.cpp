#include "support/fake_git_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "common/crypto/base64.hpp"
#include "common/http/server.hpp"

namespace ambient::testing {

namespace fs = std::filesystem;

namespace {

constexpr const char* kHttpBackend = "/usr/lib/git-core/git-http-backend";

std::string path_variable() {
    const char* p = std::getenv("PATH");
    return std::string("PATH=") + (p != nullptr ? p : "/usr/local/bin:/usr/bin:/bin");
}

// The environment of the fake's own git: nothing of the test's user configuration.
std::vector<std::string> isolated_git_env(const fs::path& root) {
    return {path_variable(),
            "HOME=" + (root / "home").string(),
            "GIT_CONFIG_NOSYSTEM=1",
            "LC_ALL=C",
            "GIT_AUTHOR_NAME=Fake Git",
            "GIT_AUTHOR_EMAIL=fake@git.test",
            "GIT_COMMITTER_NAME=Fake Git",
            "GIT_COMMITTER_EMAIL=fake@git.test"};
}

ProgramResult must(const std::vector<std::string>& argv, const std::vector<std::string>& env, const fs::path& cwd) {
    auto r = run_program(argv, env, cwd);
    if (r.status != 0) throw std::runtime_error("fake git server: " + argv.at(1) + " failed: " + r.err);
    return r;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    return s;
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const fs::path& cwd, const std::string& input) {
    // stdin from a memory file holding `input`: no writer thread, no deadlock on big inputs.
    const int in = ::memfd_create("stdin", MFD_CLOEXEC);
    if (in < 0) throw std::runtime_error("memfd_create failed");
    for (std::size_t done = 0; done < input.size();) {
        const auto n = ::write(in, input.data() + done, input.size() - done);
        if (n <= 0) {
            ::close(in);
            throw std::runtime_error("cannot write a program's input");
        }
        done += static_cast<std::size_t>(n);
    }
    ::lseek(in, 0, SEEK_SET);
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    if (::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    std::vector<char*> args, envp;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in), ::close(out[1]), ::close(err[1]);
    ProgramResult result;
    if (rc != 0) {
        ::close(out[0]), ::close(err[0]);
        result.err = "cannot run " + argv.front();
        return result;
    }
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open = 2;
    while (open > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buf[16384];
            const auto n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

struct FakeGitServer::State {
    fs::path root;
    std::string token;
    mutable std::mutex mutex;
    std::vector<Offer> offered;
    std::size_t anonymous = 0;
};

struct FakeGitServer::Server {
    http::Router router;
    std::unique_ptr<http::Server> server;
};

namespace {

http::Response challenge() {
    auto r = http::Response::text(401, "authentication required");
    r.set_header("WWW-Authenticate", "Basic realm=\"fake-git\"");
    return r;
}

// CGI output ("Status: 200 OK", headers, blank line, body) as a response.
http::Response from_cgi(const std::string& output) {
    auto split = output.find("\r\n\r\n");
    std::size_t body_at = split == std::string::npos ? std::string::npos : split + 4;
    if (split == std::string::npos) {
        split = output.find("\n\n");
        body_at = split == std::string::npos ? std::string::npos : split + 2;
    }
    if (split == std::string::npos) return http::Response::text(502, "malformed CGI output");
    http::Response r;
    std::size_t start = 0;
    const auto head = output.substr(0, split);
    while (start < head.size()) {
        auto end = head.find('\n', start);
        if (end == std::string::npos) end = head.size();
        auto line = head.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        start = end + 1;
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const auto name = line.substr(0, colon);
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        if (name == "Status")
            r.status = std::atoi(value.c_str());
        else
            r.headers.emplace_back(name, value);
    }
    r.body = output.substr(body_at);
    return r;
}

http::Response serve(const std::shared_ptr<FakeGitServer::State>& state, http::Request& req) {
    const auto auth = req.header("Authorization");
    if (!auth || !auth->starts_with("Basic ")) {
        std::lock_guard lock(state->mutex);
        ++state->anonymous;
        return challenge();
    }
    const auto decoded = crypto::base64_decode(auth->substr(6)).value_or("");
    const auto colon = decoded.find(':');
    FakeGitServer::Offer offer{decoded.substr(0, colon), colon == std::string::npos ? "" : decoded.substr(colon + 1)};
    {
        std::lock_guard lock(state->mutex);
        state->offered.push_back(offer);
    }
    if (offer.password != state->token) return challenge();

    const auto q = req.target.find('?');
    auto env = isolated_git_env(state->root);
    env.insert(env.end(),
               {"GIT_PROJECT_ROOT=" + state->root.string(), "GIT_HTTP_EXPORT_ALL=1", "GATEWAY_INTERFACE=CGI/1.1",
                "SERVER_PROTOCOL=HTTP/1.1", "REQUEST_METHOD=" + req.method, "PATH_INFO=" + req.path,
                "QUERY_STRING=" + (q == std::string::npos ? std::string() : req.target.substr(q + 1)),
                "CONTENT_TYPE=" + std::string(req.header("Content-Type").value_or("")),
                "CONTENT_LENGTH=" + std::to_string(req.body.size()), "REMOTE_USER=" + offer.username,
                "REMOTE_ADDR=" + req.remote_address});
    if (auto enc = req.header("Content-Encoding")) env.push_back("HTTP_CONTENT_ENCODING=" + std::string(*enc));
    if (auto proto = req.header("Git-Protocol")) env.push_back("HTTP_GIT_PROTOCOL=" + std::string(*proto));
    const auto result = run_program({kHttpBackend}, env, state->root, req.body);
    if (result.out.empty()) return http::Response::text(500, "git http-backend failed: " + result.err);
    return from_cgi(result.out);
}

}  // namespace

FakeGitServer::FakeGitServer(fs::path root, std::string token, std::string name)
    : root_(std::move(root)),
      bare_(root_ / (name + ".git")),
      name_(std::move(name)),
      state_(std::make_shared<State>()),
      server_(std::make_unique<Server>()) {
    fs::create_directories(root_ / "home");
    const auto env = isolated_git_env(root_);
    const auto seed = root_ / "seed";
    must({"git", "init", "-q", "-b", "main", seed.string()}, env, root_);
    std::ofstream(seed / "README.md") << "# " << name_ << "\n";
    must({"git", "add", "README.md"}, env, seed);
    must({"git", "commit", "-q", "-m", "initial commit"}, env, seed);
    must({"git", "checkout", "-q", "-b", "feature"}, env, seed);
    std::ofstream(seed / "feature.txt") << "a feature\n";
    must({"git", "add", "feature.txt"}, env, seed);
    must({"git", "commit", "-q", "-m", "a feature"}, env, seed);
    must({"git", "clone", "-q", "--bare", seed.string(), bare_.string()}, env, root_);
    must({"git", "--git-dir", bare_.string(), "symbolic-ref", "HEAD", "refs/heads/main"}, env, root_);  // the default
    must({"git", "--git-dir", bare_.string(), "config", "http.receivepack", "true"}, env, root_);
    fs::remove_all(seed);
    main_commit_ = ref("refs/heads/main");
    feature_commit_ = ref("refs/heads/feature");

    state_->root = root_;
    state_->token = std::move(token);
    auto handler = [s = state_](http::Request& req) { return serve(s, req); };
    server_->router.add({"GET", "/{repo}/info/refs", handler});
    server_->router.add({"POST", "/{repo}/git-upload-pack", handler});
    server_->router.add({"POST", "/{repo}/git-receive-pack", handler});
    http::ServerOptions options;
    options.port = 0;
    options.worker_threads = 2;
    options.max_body_bytes = 64 * 1024 * 1024;
    server_->server = std::make_unique<http::Server>(options, server_->router);
    server_->server->start();
}

FakeGitServer::~FakeGitServer() {
    server_->server->stop();
}

std::string FakeGitServer::url() const {
    return "http://127.0.0.1:" + std::to_string(server_->server->port()) + "/" + name_ + ".git";
}

std::string FakeGitServer::ref(const std::string& name) const {
    auto r = run_program({"git", "--git-dir", bare_.string(), "rev-parse", "--verify", "--quiet", name},
                         isolated_git_env(root_), root_);
    return r.status == 0 ? trim(r.out) : std::string();
}

std::vector<FakeGitServer::Offer> FakeGitServer::offered() const {
    std::lock_guard lock(state_->mutex);
    return state_->offered;
}

std::size_t FakeGitServer::anonymous_requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->anonymous;
}

}  // namespace ambient::testing
