#pragma once
// Starts a server process again and again and times it: from the spawn to its first answer
// to GET /health, its resident memory after it has sat ready and idle, and how long it takes
// to exit on SIGTERM.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace bench {

struct StartRequest {
    std::vector<std::string> argv;  // the environment is this process's
    // Where its port comes from: > 0 a fixed port; 0 read from its output, the first
    // "listening on HOST:PORT" on stdout or stderr.
    int port = 0;
    std::chrono::milliseconds ready_timeout{10000};
    std::chrono::milliseconds idle{1000};  // how long it sits ready before VmRSS is read
    std::string log_path;                  // its output is appended here ("" drops it)
};

struct StartRun {
    double ready_ms = -1;  // spawn to the first 2xx of GET /health
    long idle_rss_kib = -1;
    long idle_rss_anon_kib = -1;  // of which anonymous (heap, stacks) …
    long idle_rss_file_kib = -1;  // … and file-backed (the binary's and libraries' pages)
    long idle_threads = -1;
    double stop_ms = -1;  // SIGTERM to exit
    int exit_status = -1;
    std::string error;
};

// One start; reads memory when `measure_idle`.
StartRun start_once(const StartRequest& request, bool measure_idle);

}  // namespace bench
