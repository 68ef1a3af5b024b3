#pragma once
// What the benchmark reads about the server process under test, from /proc.
#include <sys/types.h>

#include <chrono>
#include <cstdint>

namespace bench {

// User + system CPU time of the whole process (utime + stime of /proc/PID/stat, all
// threads), in milliseconds; clock-tick resolution (10 ms at the usual 100 Hz). -1 when
// the process is gone.
double process_cpu_ms(pid_t pid);

// VmRSS of /proc/PID/status in KiB; -1 when the process is gone.
long process_rss_kib(pid_t pid);

// Open descriptors of the process (entries of /proc/PID/fd); -1 when unreadable.
long process_fd_count(pid_t pid);

// Waits until the process has been idle for a while: for `quiet_polls` polls in a row, its
// threads together neither ran nor waited for a CPU for more than 2 % of the poll interval
// (from /proc/PID/task/*/schedstat, nanoseconds). Lets work a request triggered after its
// response (stream wake-ups) finish before the next request or reading. Returns false when
// it was still busy after `limit`.
bool wait_until_quiet(pid_t pid, std::chrono::milliseconds limit,
                      std::chrono::microseconds poll = std::chrono::microseconds(5000), int quiet_polls = 3);

}  // namespace bench
