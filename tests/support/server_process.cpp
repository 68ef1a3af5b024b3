#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ambient::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry = *e;
        const auto name = entry.substr(0, entry.find('='));
        bool overridden = false;
        for (const auto& x : extra)
            overridden |= x.substr(0, x.find('=')) == name;
        if (!overridden) env.push_back(entry);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// Spawns `binary args` with stdout to `stdout_fd` and stderr to `stderr_fd`.
pid_t spawn(const std::filesystem::path& binary, const std::vector<std::string>& args,
            const std::vector<std::string>& env, int stdout_fd, int stderr_fd) {
    std::vector<std::string> argv_s = {binary.string()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    auto env_s = merged_environment(env);
    auto argv = c_strings(argv_s);
    auto envp = c_strings(env_s);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + binary.string() + ": " + std::strerror(rc));
    return pid;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Waits for `pid` until `deadline`; true with `status` set when it exited.
bool wait_for(pid_t pid, Clock::time_point deadline, int& status) {
    while (true) {
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return true;
        if (r < 0) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace

std::filesystem::path binary_dir() {
    if (const char* dir = std::getenv("AMBIENT_BIN_DIR"); dir != nullptr && *dir != '\0') return dir;
    return std::filesystem::current_path() / "build" / "bin";
}

TempDir::TempDir() {
    std::random_device rd;
    const auto name = "ambient-test-" + std::to_string(getpid()) + "-" + std::to_string(rd());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

ProcessResult run_process(const std::filesystem::path& binary, const std::vector<std::string>& args,
                          const std::vector<std::string>& env, std::chrono::seconds deadline) {
    TempDir dir;
    const auto out_path = dir.path() / "output";
    const int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const pid_t pid = spawn(binary, args, env, fd, fd);
    ::close(fd);
    int status = 0;
    ProcessResult result;
    if (!wait_for(pid, Clock::now() + deadline, status)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        result.output = read_file(out_path);
        throw std::runtime_error("process did not finish in time: " + result.output);
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.output = read_file(out_path);
    return result;
}

ServerProcess::ServerProcess(const std::filesystem::path& binary, std::vector<std::string> args,
                             std::vector<std::string> env) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    log_path_ = std::filesystem::temp_directory_path() /
                ("ambient-server-" + std::to_string(getpid()) + "-" + std::to_string(std::random_device{}()) + ".log");
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_ = spawn(binary, args, env, pipe_fds[1], log_fd);
    ::close(pipe_fds[1]);
    ::close(log_fd);

    // Read stdout until the listening line, with a deadline.
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    std::string out;
    const std::string marker = "listening on ";
    while (true) {
        const auto pos = out.find(marker);
        const auto eol = pos == std::string::npos ? std::string::npos : out.find(' ', pos + marker.size());
        if (eol != std::string::npos) {
            const auto address = out.substr(pos + marker.size(), eol - pos - marker.size());
            const auto colon = address.rfind(':');
            host_ = address.substr(0, colon);
            port_ = static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1)));
            break;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            ::close(pipe_fds[0]);
            stop();
            throw std::runtime_error("server did not report its port in time; log:\n" + log());
        }
        pollfd pfd{pipe_fds[0], POLLIN, 0};
        if (poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 500))) > 0) {
            char buf[512];
            const auto n = ::read(pipe_fds[0], buf, sizeof buf);
            if (n <= 0) {
                ::close(pipe_fds[0]);
                stop();
                throw std::runtime_error("server exited before listening; log:\n" + log());
            }
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
    // Keep draining stdout in the background so the server never blocks on a full pipe, into
    // a file a test can read.
    output_path_ = log_path_.string() + ".out";
    const int out_fd = ::open(output_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd >= 0) (void)!::write(out_fd, out.data(), out.size());
    std::thread([fd = pipe_fds[0], out_fd] {
        char buf[4096];
        for (;;) {
            const auto n = ::read(fd, buf, sizeof buf);
            if (n <= 0) break;
            if (out_fd >= 0) (void)!::write(out_fd, buf, static_cast<std::size_t>(n));
        }
        ::close(fd);
        if (out_fd >= 0) ::close(out_fd);
    }).detach();
}

ServerProcess::~ServerProcess() {
    stop();
    std::error_code ec;
    std::filesystem::remove(log_path_, ec);
    if (!output_path_.empty()) std::filesystem::remove(output_path_, ec);
}

int ServerProcess::stop(std::chrono::seconds deadline) {
    if (exited_ || pid_ <= 0) return exit_status_;
    kill(pid_, SIGTERM);
    int status = 0;
    if (!wait_for(pid_, Clock::now() + deadline, status)) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
    }
    exited_ = true;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_status_;
}

std::string ServerProcess::log() const {
    return read_file(log_path_);
}

std::string ServerProcess::output() const {
    return output_path_.empty() ? std::string() : read_file(output_path_);
}

}  // namespace ambient::testing
