#pragma once
// Turns what the watch clients report into runners: it keeps the newest object of each
// session, queues the session's id in a WorkQueue, and reconciles one id at a time per
// step() with decide() (phase_policy.hpp). A failure retries that id alone, with backoff.
// Not thread-safe: one thread calls observe(), step() and the runtime's listener callbacks
// are turned into queue entries through notify_*() under the caller's lock (see main).
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/runtime.hpp"
#include "controlplane/watch_event.hpp"
#include "controlplane/work_queue.hpp"

namespace ambient::controlplane {

// The API server's calls the reconciler makes (ApiClient's, as functions so tests fake them).
struct ReconcilerApi {
    // PATCH /sessions/{id}/status: returns the session after the write.
    std::function<nlohmann::json(const std::string& session_id, const nlohmann::json& fields)> patch_status;
    // CREDENTIAL_IDS for the session's runner (GET /sessions/{id}/credentials).
    std::function<std::string(const std::string& session_id)> credential_ids;
    // A fresh runner token (POST /sessions/{id}/runner_token).
    std::function<std::string(const std::string& session_id)> mint_token;
};

struct ReconcilerOptions {
    std::optional<std::size_t> max_sessions;
    std::chrono::milliseconds backoff_initial = std::chrono::seconds(1);
    std::chrono::milliseconds backoff_max = std::chrono::seconds(60);
    // The runtime failing to start a runner this many times in a row (with backoff in
    // between) fails the session with the reason, rather than leaving it Creating forever.
    // The API server's failures never count: they are retried as long as it takes.
    int provision_attempts = 3;
};

class Reconciler {
public:
    Reconciler(Runtime& runtime, ReconcilerApi api, ReconcilerOptions options = {});

    // A change from a watch client.
    void observe(const WatchEvent& event);
    // From the runtime's listener.
    void notify_ready(const std::string& session_id);
    void notify_exited(const std::string& session_id, const RunnerExit& exit);

    // Reconciles the next ready id, if any. False when nothing was ready at `now`.
    bool step(WorkQueue::Clock::time_point now);
    std::optional<WorkQueue::Clock::time_point> next_due() const { return work_.next_due(); }

    // The newest object known for a session (null when unknown): for tests and metrics.
    nlohmann::json session(const std::string& session_id) const;
    std::uint64_t errors() const { return errors_; }
    // Sessions known, by phase ("" for created and never started): for /metrics.
    std::map<std::string, std::size_t> sessions_by_phase() const;

private:
    struct Known {
        nlohmann::json object;
        bool deleted = false;
        std::optional<RunnerExit> exit;  // told by the runtime, not yet written
        int provision_failures = 0;      // the runtime refused to start a runner, in a row
    };
    void reconcile(const std::string& id, Known& known);
    void write(const std::string& id, Known& known, nlohmann::json fields);
    void forget_project(const std::string& project_id);
    void wake_waiting();

    Runtime& runtime_;
    ReconcilerApi api_;
    ReconcilerOptions options_;
    WorkQueue work_;
    std::map<std::string, Known> sessions_;
    std::set<std::string> waiting_for_slot_;
    std::uint64_t errors_ = 0;
};

}  // namespace ambient::controlplane
