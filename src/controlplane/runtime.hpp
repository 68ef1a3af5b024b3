#pragma once
// Where runners run, as the reconciler sees it. `local` (runtimes/local/, next) runs a
// sandboxed child process per session; `kubernetes` will come behind the same interface.
// Every call is idempotent and may be repeated after a failure; a failure throws.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ambient::controlplane {

struct RunnerExit {
    int exit_code = 0;   // 128+signal for a signal
    std::string reason;  // e.g. "exit status 1", "killed by SIGKILL (memory limit)"
    std::string last_log_lines;
    bool requested = false;  // it ended because we stopped it
};

class Runtime {
public:
    // What happened to a runner, told asynchronously: it became ready, or it exited.
    struct Listener {
        std::function<void(const std::string& session_id)> ready;
        std::function<void(const std::string& session_id, const RunnerExit&)> exited;
    };

    virtual ~Runtime() = default;
    virtual void set_listener(Listener listener) = 0;

    virtual bool has_runner(const std::string& session_id) const = 0;
    virtual std::size_t live_runners() const = 0;
    // Starts a runner for `session` (the API object), keeping one that exists.
    virtual void provision(const nlohmann::json& session) = 0;
    // The runner's origin (http://127.0.0.1:PORT) once its /health answered; nullopt before.
    virtual std::optional<std::string> ready_url(const std::string& session_id) const = 0;
    // SIGTERM, SIGKILL after the grace; returns once it is gone (no-op without a runner).
    virtual void stop(const std::string& session_id) = 0;
    // Stops it and removes everything kept for the session (workspace, token file, log).
    virtual void remove(const std::string& session_id) = 0;
};

}  // namespace ambient::controlplane
