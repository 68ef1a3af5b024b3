#include "controlplane/runtimes/kubernetes/pod_status.hpp"

#include <set>

#include "controlplane/runtimes/kubernetes/kube_objects.hpp"

namespace ambient::controlplane::kube {
namespace {

using nlohmann::json;

const json& member(const json& o, const char* name) {
    static const json null;
    if (!o.is_object()) return null;
    const auto it = o.find(name);
    return it == o.end() ? null : *it;
}

std::string text(const json& o, const char* name) {
    const auto& v = member(o, name);
    return v.is_string() ? v.get<std::string>() : std::string();
}

// The runner container's status (the Pod's only container; by name when there are more).
const json& runner_status(const json& status) {
    static const json null;
    const auto& statuses = member(status, "containerStatuses");
    if (!statuses.is_array() || statuses.empty()) return null;
    for (const auto& s : statuses)
        if (text(s, "name") == kRunnerContainer) return s;
    return statuses[0];
}

// Waiting reasons that no wait will end.
const std::set<std::string>& hopeless_waits() {
    static const std::set<std::string> reasons{"CrashLoopBackOff",    "ImagePullBackOff",  "ErrImagePull",
                                               "InvalidImageName",    "ErrImageNeverPull", "CreateContainerConfigError",
                                               "CreateContainerError"};
    return reasons;
}

bool ready(const json& status) {
    const auto& conditions = member(status, "conditions");
    if (!conditions.is_array()) return false;
    for (const auto& c : conditions)
        if (text(c, "type") == "Ready") return text(c, "status") == "True";
    return false;
}

}  // namespace

PodState classify_pod(const json& pod) {
    PodState state;
    state.terminating = member(member(pod, "metadata"), "deletionTimestamp").is_string();
    const auto& status = member(pod, "status");
    const auto phase = text(status, "phase");
    const auto& container = runner_status(status);
    const auto& terminated = member(member(container, "state"), "terminated");
    const auto& waiting = member(member(container, "state"), "waiting");

    const auto ended = [&](int code, std::string reason, std::string message) {
        state.kind = PodState::Kind::Ended;
        state.exit_code = code;
        state.reason = std::move(reason);
        state.message = std::move(message);
        return state;
    };
    const int exit_code = member(terminated, "exitCode").is_number_integer() ? terminated["exitCode"].get<int>() : 1;

    if (phase == "Succeeded") return ended(0, "Succeeded", text(terminated, "message"));
    if (text(terminated, "reason") == "OOMKilled")
        return ended(exit_code ? exit_code : 137, "OOMKilled", text(terminated, "message"));
    if (phase == "Failed") {
        if (terminated.is_object()) {
            const auto reason = text(terminated, "reason");
            return ended(exit_code ? exit_code : 1, reason.empty() ? "Failed" : reason, text(terminated, "message"));
        }
        // The Pod failed without its container ending: evicted, deadline exceeded, …
        const auto reason = text(status, "reason");
        return ended(1, reason.empty() ? "Failed" : reason, text(status, "message"));
    }
    if (const auto reason = text(waiting, "reason"); hopeless_waits().contains(reason)) {
        auto s = ended(1, reason, text(waiting, "message"));
        s.stuck = true;
        state = s;
        return state;
    }
    if (ready(status) && !state.terminating) state.kind = PodState::Kind::Ready;
    return state;
}

}  // namespace ambient::controlplane::kube
