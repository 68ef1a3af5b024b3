#include "controlplane/runtimes/kubernetes/pod_status.hpp"

#include <gtest/gtest.h>

namespace ambient::controlplane::kube {
namespace {

using nlohmann::json;
using Kind = PodState::Kind;

json pod(const std::string& phase, const json& container_state = json::object(), bool ready = false) {
    json status{{"phase", phase}};
    status["conditions"] = json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}});
    if (!container_state.empty())
        status["containerStatuses"] = json::array({{{"name", "runner"}, {"state", container_state}}});
    return {{"metadata", {{"name", "p"}}}, {"status", status}};
}

// Issue 17's table: Pod status → what the session becomes (Creating while Starting, Running
// when Ready, Completed for an exit code 0, Failed with the reason otherwise).
TEST(KubePodStatus, PhaseTable) {
    struct Row {
        const char* what;
        json pod;
        Kind kind;
        int exit_code;
        const char* reason;
        bool stuck;
    };
    const Row rows[] = {
        {"pending", pod("Pending"), Kind::Starting, 0, "", false},
        {"no status yet", json{{"metadata", {{"name", "p"}}}}, Kind::Starting, 0, "", false},
        {"running, not ready", pod("Running", {{"running", json::object()}}), Kind::Starting, 0, "", false},
        {"ready", pod("Running", {{"running", json::object()}}, true), Kind::Ready, 0, "", false},
        {"succeeded", pod("Succeeded", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}}), Kind::Ended, 0,
         "Succeeded", false},
        {"failed with an exit code", pod("Failed", {{"terminated", {{"exitCode", 3}, {"reason", "Error"}}}}),
         Kind::Ended, 3, "Error", false},
        {"oom killed", pod("Failed", {{"terminated", {{"exitCode", 137}, {"reason", "OOMKilled"}}}}), Kind::Ended, 137,
         "OOMKilled", false},
        {"evicted", json{{"status", {{"phase", "Failed"}, {"reason", "Evicted"}, {"message", "low on memory"}}}},
         Kind::Ended, 1, "Evicted", false},
        {"crash loop", pod("Running", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}), Kind::Ended, 1,
         "CrashLoopBackOff", true},
        {"image pull backoff", pod("Pending", {{"waiting", {{"reason", "ImagePullBackOff"}, {"message", "no such"}}}}),
         Kind::Ended, 1, "ImagePullBackOff", true},
        {"err image pull", pod("Pending", {{"waiting", {{"reason", "ErrImagePull"}}}}), Kind::Ended, 1, "ErrImagePull",
         true},
        {"container creating", pod("Pending", {{"waiting", {{"reason", "ContainerCreating"}}}}), Kind::Starting, 0, "",
         false},
    };
    for (const auto& row : rows) {
        const auto state = classify_pod(row.pod);
        EXPECT_EQ(state.kind, row.kind) << row.what;
        EXPECT_EQ(state.exit_code, row.exit_code) << row.what;
        EXPECT_EQ(state.reason, row.reason) << row.what;
        EXPECT_EQ(state.stuck, row.stuck) << row.what;
    }
    EXPECT_EQ(classify_pod(rows[9].pod).message, "no such");
}

TEST(KubePodStatus, ATerminatingPodIsNotReady) {
    auto p = pod("Running", {{"running", json::object()}}, true);
    p["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
    const auto state = classify_pod(p);
    EXPECT_TRUE(state.terminating);
    EXPECT_EQ(state.kind, Kind::Starting);
}

}  // namespace
}  // namespace ambient::controlplane::kube
