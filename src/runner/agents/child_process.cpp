#include "runner/agents/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace ambient::runner {
namespace {

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

ChildProcess::ChildProcess(const SpawnOptions& options) {
    if (options.argv.empty()) throw SpawnError("no program to run");
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0) throw SpawnError("pipe failed");
    if (pipe2(out, O_CLOEXEC) != 0) {
        ::close(in[0]), ::close(in[1]);
        throw SpawnError("pipe failed");
    }
    if (pipe2(err, O_CLOEXEC) != 0) {
        ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
        throw SpawnError("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD})
        sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    for (const auto& a : options.argv)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : options.env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    // A program name without '/' is looked up in PATH, as a shell would (but without one).
    const int rc = options.argv.front().find('/') == std::string::npos
                       ? posix_spawnp(&pid_, argv[0], &actions, &attr, argv.data(), envp.data())
                       : posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(in[0]), ::close(out[1]), ::close(err[1]);
    if (rc != 0) {
        ::close(in[1]), ::close(out[0]), ::close(err[0]);
        pid_ = -1;
        throw SpawnError("cannot run " + options.argv.front() + ": " + std::strerror(rc));
    }
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
}

ChildProcess::~ChildProcess() {
    close_fd(stdin_fd_);
    if (pid_ > 0 && !exit_code_) terminate(std::chrono::milliseconds(2000));
    close_fd(stdout_fd_);
    close_fd(stderr_fd_);
}

bool ChildProcess::write_stdin(std::string_view data) {
    // A child that closed its stdin must be an EPIPE here, not a SIGPIPE that ends the runner:
    // SIGPIPE is blocked on this thread for the write, and one it raised is taken back.
    sigset_t pipe_only, previous;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
    bool ok = true;
    while (!data.empty()) {
        if (stdin_fd_ < 0) {
            ok = false;
            break;
        }
        const auto n = ::write(stdin_fd_, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE) {
                const timespec now{0, 0};
                sigtimedwait(&pipe_only, nullptr, &now);
            }
            close_fd(stdin_fd_);  // EPIPE: the child stopped reading
            ok = false;
            break;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return ok;
}

void ChildProcess::close_stdin() {
    close_fd(stdin_fd_);
}

std::optional<ChildProcess::Chunk> ChildProcess::read(std::chrono::milliseconds timeout) {
    if (output_ended()) return Chunk{Stream::Stdout, {}, true};
    pollfd fds[2];
    int count = 0;
    if (stdout_fd_ >= 0) fds[count++] = {stdout_fd_, POLLIN, 0};
    if (stderr_fd_ >= 0) fds[count++] = {stderr_fd_, POLLIN, 0};
    const int rc = ::poll(fds, static_cast<nfds_t>(count), static_cast<int>(timeout.count()));
    if (rc <= 0) return std::nullopt;
    for (int i = 0; i < count; ++i) {
        if (fds[i].revents == 0) continue;
        const Stream which = fds[i].fd == stdout_fd_ ? Stream::Stdout : Stream::Stderr;
        char buf[16384];
        const auto n = ::read(fds[i].fd, buf, sizeof buf);
        if (n > 0) return Chunk{which, std::string(buf, static_cast<std::size_t>(n)), false};
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return std::nullopt;
        close_fd(which == Stream::Stdout ? stdout_fd_ : stderr_fd_);
        return Chunk{which, {}, true};
    }
    return std::nullopt;
}

void ChildProcess::signal_group(int sig) {
    if (pid_ > 0 && !exit_code_) ::kill(-pid_, sig);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    if (exit_code_) return exit_code_;
    if (pid_ <= 0) return -1;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_code_ = decode_status(status);
            return exit_code_;
        }
        if (r < 0 && errno != EINTR) {
            exit_code_ = -1;
            return exit_code_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

int ChildProcess::terminate(std::chrono::milliseconds grace) {
    if (exit_code_) return *exit_code_;
    signal_group(SIGTERM);
    if (auto code = wait(grace)) {
        ::kill(-pid_, SIGKILL);  // anything the agent left behind in its group
        return *code;
    }
    ::kill(-pid_, SIGKILL);
    return wait(std::chrono::milliseconds(5000)).value_or(-1);
}

std::vector<std::string> inherited_environment(const std::vector<std::string>& drop,
                                               const std::vector<std::string>& drop_prefixes) {
    std::vector<std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        bool skip = false;
        for (const auto& d : drop)
            skip = skip || name == d;
        for (const auto& p : drop_prefixes)
            skip = skip || name.starts_with(p);
        if (!skip) out.emplace_back(entry);
    }
    return out;
}

}  // namespace ambient::runner
