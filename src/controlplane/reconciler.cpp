#include "controlplane/reconciler.hpp"

#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/time.hpp"
#include "controlplane/phase_policy.hpp"

namespace ambient::controlplane {
namespace {

std::string phase_of(const nlohmann::json& session) {
    if (!session.is_object()) return {};
    const auto it = session.find("phase");
    return it != session.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string string_field(const nlohmann::json& o, const char* name) {
    if (!o.is_object()) return {};
    const auto it = o.find(name);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The session's `conditions` after its runner ended: upstream's status field is JSON text
// holding an array of Kubernetes-style conditions, so it is written as a string.
std::string runner_exited_conditions(const std::string& reason, const std::string& message) {
    return nlohmann::json::array({{{"type", "RunnerExited"},
                                   {"status", "True"},
                                   {"reason", reason},
                                   {"message", message},
                                   {"lastTransitionTime", now_rfc3339()}}})
        .dump();
}

}  // namespace

Reconciler::Reconciler(Runtime& runtime, ReconcilerApi api, ReconcilerOptions options)
    : runtime_(runtime), api_(std::move(api)), options_(options), work_(options.backoff_initial, options.backoff_max) {}

void Reconciler::observe(const WatchEvent& event) {
    if (event.resource == Resource::Projects) {
        if (event.type == WatchEventType::Deleted) forget_project(event.id);
        return;  // the local runtime needs nothing per project
    }
    switch (event.type) {
        case WatchEventType::Added:
        case WatchEventType::Modified: {
            auto& known = sessions_[event.id];
            known.object = event.object;
            known.deleted = false;
            work_.add(event.id);
            return;
        }
        case WatchEventType::Deleted:
            sessions_[event.id].deleted = true;
            work_.add(event.id);
            return;
        case WatchEventType::Synced: {
            const std::set<std::string> listed(event.listed_ids.begin(), event.listed_ids.end());
            for (auto& [id, known] : sessions_) {
                if (!listed.contains(id) && !known.deleted) {
                    known.deleted = true;  // went while nobody watched
                    work_.add(id);
                }
            }
            // A runner adopted after a restart whose session went while we were down.
            for (const auto& id : runtime_.runner_ids()) {
                if (!listed.contains(id) && !sessions_.contains(id)) {
                    sessions_[id].deleted = true;
                    work_.add(id);
                }
            }
            return;
        }
    }
}

void Reconciler::forget_project(const std::string& project_id) {
    for (auto& [id, known] : sessions_) {
        if (string_field(known.object, "project_id") == project_id && !known.deleted) {
            known.deleted = true;
            work_.add(id);
        }
    }
}

void Reconciler::notify_ready(const std::string& session_id) {
    if (sessions_.contains(session_id)) work_.add(session_id);
}

void Reconciler::notify_exited(const std::string& session_id, const RunnerExit& exit) {
    auto it = sessions_.find(session_id);
    if (it == sessions_.end()) return;
    it->second.exit = exit;
    work_.add(session_id);
    wake_waiting();  // a slot is free
}

void Reconciler::wake_waiting() {
    for (const auto& id : waiting_for_slot_)
        work_.add(id);
    waiting_for_slot_.clear();
}

void Reconciler::write(const std::string& id, Known& known, nlohmann::json fields) {
    // start_time when a run begins and completion_time when it ends, once per run: a runner
    // started again within the same run keeps its start_time (upstream overwrites it on
    // every provision, D.1.7); a completion_time present means the last run ended.
    const auto phase = string_field(fields, "phase");
    const auto before = phase_of(known.object);
    const auto terminal = [](const std::string& p) { return p == "Stopped" || p == "Completed" || p == "Failed"; };
    if (phase == "Running" &&
        (string_field(known.object, "start_time").empty() || !string_field(known.object, "completion_time").empty())) {
        fields["start_time"] = now_rfc3339();
    }
    if (terminal(phase) && !terminal(before)) fields["completion_time"] = now_rfc3339();
    auto after = api_.patch_status(id, fields);
    if (after.is_object()) known.object = std::move(after);
}

bool Reconciler::step(WorkQueue::Clock::time_point now) {
    const auto id = work_.take(now);
    if (!id) return false;
    auto it = sessions_.find(*id);
    if (it == sessions_.end()) {
        work_.done(*id, true, now);
        return true;
    }
    bool ok = true;
    try {
        reconcile(*id, it->second);
    } catch (const std::exception& e) {
        ok = false;
        ++errors_;
        spdlog::warn("reconcile session {}: {} (failure {} in a row)", *id, e.what(), work_.failures(*id) + 1);
    }
    work_.done(*id, ok, now);
    if (ok && it->second.deleted) sessions_.erase(it);  // removed; nothing more to know
    return true;
}

void Reconciler::reconcile(const std::string& id, Known& known) {
    // A runner that ended by itself decides the phase before anything else.
    if (known.exit && !known.deleted) {
        const auto exit = *known.exit;
        const auto before = phase_of(known.object);
        const bool live_phase = before == "Pending" || before == "Creating" || before == "Running";
        if (!exit.requested && live_phase) {
            write(id, known,
                  {{"phase", exit.exit_code == 0 ? "Completed" : "Failed"},
                   {"runner_url", ""},
                   {"conditions", runner_exited_conditions(exit.reason, exit.last_log_lines)}});
        }
        known.exit.reset();
    }

    const auto phase = phase_of(known.object);
    const bool slot_free = !options_.max_sessions || runtime_.live_runners() < *options_.max_sessions;
    const auto action = decide({phase, known.deleted, runtime_.has_runner(id), slot_free});
    switch (action) {
        case SessionAction::None:
            return;
        case SessionAction::WaitForSlot:
            waiting_for_slot_.insert(id);
            return;
        case SessionAction::Provision: {
            if (phase != "Creating") write(id, known, {{"phase", "Creating"}});
            ProvisionRequest request{known.object, api_.credential_ids(id), api_.mint_token(id)};
            try {
                runtime_.provision(request);
                known.provision_failures = 0;
            } catch (const std::exception& e) {
                if (++known.provision_failures < options_.provision_attempts) throw;
                known.provision_failures = 0;
                spdlog::warn("session {}: no runner could be started: {}", id, e.what());
                write(id, known,
                      {{"phase", "Failed"},
                       {"runner_url", ""},
                       {"conditions", runner_exited_conditions(std::string("not started: ") + e.what(), "")}});
                return;
            }
        }
            [[fallthrough]];
        case SessionAction::AwaitReady: {
            // Readiness is told by the runtime (notify_ready); until then there is nothing to do.
            const auto url = runtime_.ready_url(id);
            if (!url) {
                if (phase_of(known.object) == "Pending") write(id, known, {{"phase", "Creating"}});
                return;
            }
            if (phase_of(known.object) != "Running" || string_field(known.object, "runner_url") != *url) {
                write(id, known, {{"phase", "Running"}, {"runner_url", *url}});
            }
            return;
        }
        case SessionAction::Stop:
        case SessionAction::Halt:
            // Asynchronous: the exit comes back through notify_exited, and a Stopping session
            // without a runner is then marked Stopped (MarkStopped). Halt writes nothing.
            runtime_.stop(id);
            return;
        case SessionAction::MarkStopped:
            write(id, known, {{"phase", "Stopped"}, {"runner_url", ""}});
            return;
        case SessionAction::Remove:
            runtime_.remove(id);
            waiting_for_slot_.erase(id);
            return;
    }
}

std::map<std::string, std::size_t> Reconciler::sessions_by_phase() const {
    std::map<std::string, std::size_t> counts;
    for (const auto& [id, known] : sessions_) {
        if (!known.deleted) ++counts[phase_of(known.object)];
    }
    return counts;
}

nlohmann::json Reconciler::session(const std::string& session_id) const {
    const auto it = sessions_.find(session_id);
    return it == sessions_.end() ? nlohmann::json() : it->second.object;
}

}  // namespace ambient::controlplane
