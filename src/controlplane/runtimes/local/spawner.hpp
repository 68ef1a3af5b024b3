#pragma once
// Starts a runner process: fork and execve of a prepared argv and environment (nothing from
// a session ever reaches a shell). The child gets its own session (setsid: a Ctrl-C meant for
// the control plane does not reach it, and it outlives us), stdin from /dev/null, stdout and
// stderr appended to its log file (no pipe: a runner never blocks on a reader that is gone),
// joins its cgroups, gets its CPU-time limit, drops to the runner uid, and starts with every
// signal unblocked and at its default (the control plane blocks SIGTERM in all its threads).
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ambient::controlplane {

struct RunAs {
    uid_t uid;
    gid_t gid;
};

struct SpawnSpec {
    std::vector<std::string> argv;
    std::vector<std::string> env;
    std::filesystem::path cwd;
    std::filesystem::path log_file;
    std::vector<std::string> cgroup_procs;  // files the child writes its pid into
    std::chrono::seconds cpu{0};            // RLIMIT_CPU; 0: none
    std::optional<RunAs> run_as;
};

class SpawnError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Returns the child's pid once it has exec'd; throws SpawnError (with the step and errno)
// when any step before the exec failed — the child is reaped then.
pid_t spawn_runner(const SpawnSpec& spec);

}  // namespace ambient::controlplane
