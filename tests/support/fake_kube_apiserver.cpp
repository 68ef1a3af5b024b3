#include "support/fake_kube_apiserver.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "support/http_client.hpp"

extern char** environ;

namespace ambient::testing {
namespace {

std::optional<std::filesystem::path> find_node() {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (std::size_t start = 0; start <= dirs.size();) {
        const auto end = std::min(dirs.find(':', start), dirs.size());
        const auto candidate = std::filesystem::path(dirs.substr(start, end - start)) / "node";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> FakeKubeApiServer::unavailable(const std::filesystem::path& server_dir) {
    if (!find_node()) return "no `node` on PATH";
    if (!std::filesystem::exists(server_dir / "server.mjs")) return "no " + (server_dir / "server.mjs").string();
    if (!std::filesystem::exists(server_dir / "node_modules"))
        return "the fake's npm packages are not installed (npm ci in " + server_dir.string() + ")";
    return std::nullopt;
}

FakeKubeApiServer::FakeKubeApiServer(const std::filesystem::path& server_dir, std::vector<std::string> tokens,
                                     const std::filesystem::path& tls_cert, const std::filesystem::path& tls_key)
    : tls_(!tls_cert.empty()) {
    const auto node = find_node();
    if (!node) throw std::runtime_error("no node on PATH");
    std::vector<std::string> args{node->string(), (server_dir / "server.mjs").string(), "--port", "0"};
    for (auto& token : tokens) {
        args.push_back("--token");
        args.push_back(std::move(token));
    }
    if (tls_) {
        args.insert(args.end(), {"--tls-cert", tls_cert.string(), "--tls-key", tls_key.string()});
    }
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    const int rc = posix_spawn(&pid_, node->c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_fd_ = in[1];
    if (rc != 0) {
        ::close(out[0]);
        throw std::runtime_error("cannot start node");
    }

    // The listening line, within a deadline: stdout is read until it comes.
    std::string output;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    const std::string marker = "listening ";
    while (output.find('\n') == std::string::npos) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{out[0], POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char buffer[256];
        const auto n = ::read(out[0], buffer, sizeof buffer);
        if (n <= 0) break;
        output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out[0]);  // later output goes nowhere; the fake writes nothing more there
    const auto at = output.find(marker);
    const auto colon = output.rfind(':', output.find('\n'));
    if (at == std::string::npos || colon == std::string::npos) {
        shutdown();
        throw std::runtime_error("the fake Kubernetes API server did not start: " + output);
    }
    port_ = static_cast<std::uint16_t>(std::stoi(output.substr(colon + 1)));
}

FakeKubeApiServer::~FakeKubeApiServer() {
    shutdown();
}

void FakeKubeApiServer::shutdown() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);  // the fake exits when its stdin closes
    stdin_fd_ = -1;
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
}

nlohmann::json FakeKubeApiServer::control(const std::string& method, const std::string& path,
                                          const nlohmann::json& body) const {
    HttpClient http("127.0.0.1", port_);
    const auto result = http.request(method, path, body.is_null() ? std::string() : body.dump());
    if (result.status < 200 || result.status >= 300)
        throw std::runtime_error(method + " " + path + ": " + std::to_string(result.status) + " " + result.body);
    return result.body.empty() ? nlohmann::json() : nlohmann::json::parse(result.body);
}

nlohmann::json FakeKubeApiServer::objects(const std::string& kind, const std::string& ns) const {
    return control("GET", "/__fake/objects?kind=" + kind + (ns.empty() ? "" : "&namespace=" + ns));
}

void FakeKubeApiServer::set_pod_status(const std::string& ns, const std::string& name,
                                       const nlohmann::json& status) const {
    control("POST", "/__fake/pods/" + ns + "/" + name + "/status", status);
}

}  // namespace ambient::testing
