#include "controlplane/runtimes/local/spawner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ambient::controlplane {
namespace {

// What the child tells the parent through the close-on-exec pipe when a step fails.
struct ChildFailure {
    int step;
    int error;
};

constexpr const char* kSteps[] = {"setsid",    "dup2",      "join cgroup", "setrlimit", "setgroups",
                                  "setresgid", "setresuid", "chdir",       "execve"};

[[noreturn]] void child_fail(int fd, int step) {
    const ChildFailure f{step, errno};
    [[maybe_unused]] auto n = ::write(fd, &f, sizeof f);
    ::_exit(127);
}

// Async-signal-safe decimal formatting (no allocation between fork and exec).
std::size_t format_pid(pid_t pid, char* out) {
    char tmp[16];
    std::size_t n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + pid % 10);
        pid /= 10;
    } while (pid > 0);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = tmp[n - 1 - i];
    out[n] = '\n';
    return n + 1;
}

}  // namespace

pid_t spawn_runner(const SpawnSpec& spec) {
    if (spec.argv.empty()) throw SpawnError("no program to run");
    // Everything the child touches is prepared here: after fork only async-signal-safe calls.
    std::vector<char*> argv, envp;
    for (const auto& a : spec.argv)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : spec.env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    std::vector<const char*> cgroups;
    for (const auto& c : spec.cgroup_procs)
        cgroups.push_back(c.c_str());
    const std::string cwd = spec.cwd.string();

    const int log = ::open(spec.log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (log < 0) throw SpawnError("cannot open " + spec.log_file.string() + ": " + std::strerror(errno));
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int report[2];
    if (null < 0 || ::pipe2(report, O_CLOEXEC) != 0) {
        const int error = errno;
        ::close(log);
        if (null >= 0) ::close(null);
        throw SpawnError(std::string("cannot prepare the child: ") + std::strerror(error));
    }

    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(report[0]);
        sigset_t all;
        sigemptyset(&all);
        ::sigprocmask(SIG_SETMASK, &all, nullptr);
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int s = 1; s < NSIG; ++s)
            ::sigaction(s, &dfl, nullptr);
        if (::setsid() < 0) child_fail(report[1], 0);
        if (::dup2(null, 0) < 0 || ::dup2(log, 1) < 0 || ::dup2(log, 2) < 0) child_fail(report[1], 1);
        // No descriptor of ours (a socket to the API server, another runner's files) may
        // survive the exec, whoever opened it without O_CLOEXEC.
        ::syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
        char self[24];
        const auto len = format_pid(::getpid(), self);
        for (const char* file : cgroups) {
            const int fd = ::open(file, O_WRONLY | O_CLOEXEC);
            if (fd < 0 || ::write(fd, self, len) != static_cast<ssize_t>(len)) child_fail(report[1], 2);
            ::close(fd);
        }
        if (spec.cpu.count() > 0) {
            // The soft limit sends SIGXCPU; the hard one, a little later, SIGKILL.
            const rlim_t soft = static_cast<rlim_t>(spec.cpu.count());
            const rlimit lim{soft, soft + 5};
            if (::setrlimit(RLIMIT_CPU, &lim) != 0) child_fail(report[1], 3);
        }
        if (spec.run_as) {
            // Raw system calls: in a forked child of a threaded program only this thread
            // exists, and glibc's wrappers would try to signal the others.
            if (::syscall(SYS_setgroups, 0, nullptr) != 0) child_fail(report[1], 4);
            if (::syscall(SYS_setresgid, spec.run_as->gid, spec.run_as->gid, spec.run_as->gid) != 0)
                child_fail(report[1], 5);
            if (::syscall(SYS_setresuid, spec.run_as->uid, spec.run_as->uid, spec.run_as->uid) != 0)
                child_fail(report[1], 6);
        }
        if (::chdir(cwd.c_str()) != 0) child_fail(report[1], 7);
        ::execve(argv[0], argv.data(), envp.data());
        child_fail(report[1], 8);
    }
    const int fork_error = errno;
    ::close(report[1]);
    ::close(log);
    ::close(null);
    if (pid < 0) {
        ::close(report[0]);
        throw SpawnError(std::string("fork: ") + std::strerror(fork_error));
    }
    ChildFailure failure{};
    ssize_t n;
    do {
        n = ::read(report[0], &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    if (n == static_cast<ssize_t>(sizeof failure)) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        throw SpawnError(std::string("starting ") + spec.argv[0] + ": " + kSteps[failure.step] + ": " +
                         std::strerror(failure.error));
    }
    return pid;
}

}  // namespace ambient::controlplane
