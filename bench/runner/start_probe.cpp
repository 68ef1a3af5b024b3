#include "start_probe.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cstring>
#include <fstream>
#include <regex>
#include <thread>

#include "../sse_fanout/process_probe.hpp"

extern char** environ;

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

// The child's stdout and stderr, both into one pipe, kept for the port and the log.
class Output {
public:
    explicit Output(int fd, std::string log_path) : fd_(fd) {
        if (!log_path.empty()) log_.open(log_path, std::ios::app);
    }
    ~Output() { ::close(fd_); }
    // Reads what is there, waiting at most `wait`.
    void drain(std::chrono::milliseconds wait) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return;
        char buf[8192];
        for (;;) {
            const auto n = ::read(fd_, buf, sizeof buf);
            if (n <= 0) return;
            text_.append(buf, static_cast<std::size_t>(n));
            if (log_) log_.write(buf, n);
        }
    }
    int port() const {
        static const std::regex listening(R"(listening on (?:\[[^\]]*\]|[A-Za-z0-9.\-]+):([0-9]+))");
        std::smatch m;
        return std::regex_search(text_, m, listening) ? std::stoi(m[1]) : 0;
    }
    std::string tail() const { return text_.size() > 2000 ? text_.substr(text_.size() - 2000) : text_; }

private:
    int fd_;
    std::string text_;
    std::ofstream log_;
};

// True when GET /health on 127.0.0.1:port answers 2xx.
bool healthy(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        constexpr std::string_view req = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
            char buf[32] = {};
            std::size_t got = 0;
            while (got < 12) {
                const auto n = ::recv(fd, buf + got, 12 - got, 0);
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
            ok = got >= 12 && std::strncmp(buf, "HTTP/1.", 7) == 0 && buf[9] == '2';
        }
    }
    ::close(fd);
    return ok;
}

bool exited(pid_t pid, int& status) {
    return ::waitpid(pid, &status, WNOHANG) == pid;
}

}  // namespace

StartRun start_once(const StartRequest& request, bool measure_idle) {
    StartRun run;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        run.error = "pipe failed";
        return run;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
    std::vector<char*> argv;
    for (const auto& a : request.argv)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);

    const auto t0 = Clock::now();
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
    Output output(pipe_fds[0], request.log_path);
    if (rc != 0) {
        run.error = std::string("spawn: ") + std::strerror(rc);
        return run;
    }

    int status = 0;
    bool gone = false;
    int port = request.port;
    while (run.ready_ms < 0) {
        if (exited(pid, status)) {
            gone = true;
            output.drain(std::chrono::milliseconds(0));
            run.error = "exited before it was ready (status " + std::to_string(status) + "): " + output.tail();
            break;
        }
        if (port == 0) port = output.port();
        if (port > 0 && healthy(port)) {
            run.ready_ms = ms_between(t0, Clock::now());
            break;
        }
        if (Clock::now() - t0 > request.ready_timeout) {
            run.error = "not ready after " + std::to_string(request.ready_timeout.count()) + " ms" +
                        (port == 0 ? " (no \"listening on HOST:PORT\" in its output)" : "") + ": " + output.tail();
            break;
        }
        // Output first: a port line wakes us at once; otherwise poll health every 0.5 ms.
        output.drain(std::chrono::milliseconds(port == 0 ? 1 : 0));
        if (port > 0) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }

    if (!gone && run.ready_ms >= 0 && measure_idle) {
        const auto until = Clock::now() + request.idle;
        while (Clock::now() < until)
            output.drain(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()) +
                         std::chrono::milliseconds(1));
        run.idle_rss_kib = process_rss_kib(pid);
        std::ifstream st("/proc/" + std::to_string(pid) + "/status");
        for (std::string line; std::getline(st, line);) {
            if (line.rfind("Threads:", 0) == 0) run.idle_threads = std::stol(line.substr(8));
            if (line.rfind("RssAnon:", 0) == 0) run.idle_rss_anon_kib = std::stol(line.substr(8));
            if (line.rfind("RssFile:", 0) == 0) run.idle_rss_file_kib = std::stol(line.substr(8));
        }
    }

    if (!gone) {
        const auto t_stop = Clock::now();
        ::kill(pid, SIGTERM);
        while (!exited(pid, status)) {
            output.drain(std::chrono::milliseconds(1));
            if (Clock::now() - t_stop > std::chrono::seconds(10)) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                if (run.error.empty()) run.error = "did not exit within 10 s of SIGTERM";
                break;
            }
        }
        run.stop_ms = ms_between(t_stop, Clock::now());
        output.drain(std::chrono::milliseconds(0));
    }
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

}  // namespace bench
