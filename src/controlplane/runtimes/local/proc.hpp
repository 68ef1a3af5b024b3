#pragma once
// What the runtime reads of other processes in /proc: start times (so that a recycled pid is
// never taken for a runner), children (to find a sandbox's init and runner), pidfds.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace ambient::controlplane::proc {

// Field 22 of /proc/<pid>/stat (clock ticks since boot); nullopt when there is no such
// process (or it is a zombie already reaped).
std::optional<std::uint64_t> start_time(pid_t pid);

// The process exists and started at `start` (a recorded pid still names the same process).
bool same_process(pid_t pid, std::uint64_t start);

std::vector<pid_t> children_of(pid_t pid);

// The resident set of `pid` and all its descendants, in bytes.
std::uint64_t tree_rss(pid_t pid);

// A pidfd for `pid` (close-on-exec), or -1.
int pidfd_open(pid_t pid);

// Sends `signal` only when `pid` still names the process that started at `start`.
bool signal_if_same(pid_t pid, std::uint64_t start, int signal);

}  // namespace ambient::controlplane::proc
