#pragma once
// Where runners run, as the reconciler and the token refresher see it. `local`
// (runtimes/local/) runs a sandboxed child process per session; `kubernetes` will come behind
// the same interface.
//
// Every method is thread-safe (the reconciler, the token refresher and the runtime's own
// threads call in) and idempotent; a failure throws. The listener is called from the
// runtime's own threads and never while the runtime holds a lock, so it may call back in.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ambient::controlplane {

struct RunnerExit {
    int exit_code = 0;   // 128+signal for a signal; -1 when unknown (an adopted runner)
    std::string reason;  // e.g. "exit status 1", "killed: memory limit of 256 MiB reached"
    std::string last_log_lines;
    bool requested = false;  // it ended because stop() or remove() asked it to
};

// What a runner needs to start besides the session itself.
struct ProvisionRequest {
    nlohmann::json session;      // the API object (id, project_id, environment_variables, …)
    std::string credential_ids;  // CREDENTIAL_IDS: {"github":"<id>",…}
    std::string token;           // the first runner token, in the token file before the runner starts
};

class Runtime {
public:
    struct Listener {
        std::function<void(const std::string& session_id)> ready;  // its /health answered
        std::function<void(const std::string& session_id, const RunnerExit&)> exited;
    };

    virtual ~Runtime() = default;
    virtual void set_listener(Listener listener) = 0;

    // Takes back the runners a previous control plane left running (recorded under its data
    // dir): alive and answering → kept, nothing restarted; otherwise what is left is cleaned
    // (not the workspace) so that a provision() starts it again. Called once, before
    // anything else. Returns the ids of the runners adopted.
    virtual std::vector<std::string> adopt() = 0;

    virtual bool has_runner(const std::string& session_id) const = 0;
    virtual std::size_t live_runners() const = 0;
    // Every session with a runner (starting, ready or stopping): what a refresh pass covers.
    virtual std::vector<std::string> runner_ids() const = 0;

    // Starts a runner for the session, keeping one that exists. Returns once it is started
    // (not ready: readiness is told through the listener).
    virtual void provision(const ProvisionRequest& request) = 0;
    // The runner's origin (http://127.0.0.1:PORT) once its /health answered; nullopt before.
    virtual std::optional<std::string> ready_url(const std::string& session_id) const = 0;
    // Replaces a runner's token file atomically. False when the session has no runner.
    virtual bool write_token(const std::string& session_id, const std::string& token) = 0;

    // Asynchronous: SIGTERM now, SIGKILL after the grace; the exit is told through the
    // listener with `requested` set. A no-op without a runner.
    virtual void stop(const std::string& session_id) = 0;
    // Like stop(), then everything kept for the session (workspace, token file, log, record)
    // is removed once the runner is gone — at once when it has none.
    virtual void remove(const std::string& session_id) = 0;
};

}  // namespace ambient::controlplane
