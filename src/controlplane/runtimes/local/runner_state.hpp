#pragma once
// The local runtime's record of one runner, shared by its source files (local_runtime.cpp,
// adoption.cpp); not part of its interface.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "controlplane/runtimes/local/cgroup.hpp"
#include "controlplane/runtimes/local/local_runtime.hpp"
#include "controlplane/runtimes/local/runner_record.hpp"

namespace ambient::controlplane {

struct LocalRuntime::Runner {
    std::string id;
    RunnerRecord record;
    bool child = false;  // ours: waitpid tells its exit status; adopted: unknown
    int pidfd = -1;
    bool ready = false;
    Clock::time_point started = Clock::now();
    std::uintmax_t log_offset = 0;
    RunnerCgroup cgroup;
    bool stopping = false;
    bool requested = false;
    bool remove_after = false;
    bool killed = false;
    Clock::time_point kill_at{};
    std::string reason;  // set when we killed it for a cause of our own (memory, readiness)
    std::chrono::seconds cpu{0};
};

struct LocalRuntime::Notice {
    std::string id;
    std::optional<RunnerExit> exit;  // nullopt: ready
};

// GET http://127.0.0.1:PORT/health answers 200 (short timeouts: a check, not a wait).
bool health_answers(std::uint16_t port);

}  // namespace ambient::controlplane
