#pragma once
// What a runner Pod's status means for its session (issue 17's table): Pending and not yet
// Ready → still starting; Ready → the runner answers (Running); Succeeded → ended well
// (Completed); Failed, or the runner container waiting in CrashLoopBackOff, ImagePullBackOff,
// ErrImagePull (and the other reasons no retry fixes), or terminated OOMKilled → ended badly
// (Failed), with the reason.
#include <string>

#include <nlohmann/json.hpp>

namespace ambient::controlplane::kube {

struct PodState {
    enum class Kind { Starting, Ready, Ended };
    Kind kind = Kind::Starting;
    int exit_code = 0;         // Ended: the runner container's, or 1 when it never ran
    std::string reason;        // Ended: "Succeeded", "OOMKilled", "ImagePullBackOff", "Error", "Evicted", …
    std::string message;       // Ended: what Kubernetes said about it, if anything
    bool terminating = false;  // metadata.deletionTimestamp is set
    // Ended while its container still waits (an image that cannot be pulled): the Pod does
    // not end by itself and should be deleted.
    bool stuck = false;
};

PodState classify_pod(const nlohmann::json& pod);

}  // namespace ambient::controlplane::kube
