#pragma once
// Leader election over a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
// the Lease every retry period; another replica takes it over once it has seen no renewal for
// a whole lease duration (by its own clock, from when it last saw the Lease change, so clocks
// need not agree) or at once when the holder released it. Only the leader reconciles and
// refreshes tokens (main.cpp); a leader that cannot renew within the renew deadline stops.
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/runtimes/kubernetes/kube_client.hpp"

namespace ambient::controlplane::kube {

struct LeaseOptions {
    std::string namespace_;
    std::string name = "ambient-control-plane";
    std::string identity;  // POD_NAME, else the host name
    std::chrono::seconds lease_duration{15};
    std::chrono::seconds renew_deadline{10};
    std::chrono::milliseconds retry_period{2000};
};

class LeaderElector {
public:
    LeaderElector(const KubeClient& client, LeaseOptions options);

    using Clock = std::chrono::steady_clock;
    // One attempt to take or keep the Lease at `now`; true when we hold it afterwards.
    // API failures are logged and count as "not held".
    bool try_acquire_or_renew(Clock::time_point now);

    // Tries every retry period until the Lease is ours (true) or `stop` (false).
    bool acquire(const std::atomic<bool>& stop);
    // Renews every retry period until `stop` (returns true) or until the Lease is lost: taken
    // by another, or not renewed for renew_deadline (returns false).
    bool hold(const std::atomic<bool>& stop);
    // Gives the Lease up (holderIdentity emptied) so that a standby takes over at once.
    void release();

    const LeaseOptions& options() const { return options_; }

private:
    nlohmann::json lease_body(const std::string& holder, std::optional<nlohmann::json> previous) const;

    const KubeClient& client_;
    LeaseOptions options_;
    // The last Lease record seen (holder and renewTime) and when we saw it change.
    std::string observed_record_;
    Clock::time_point observed_at_{};
    bool leading_ = false;
};

// "2026-01-02T15:04:05.000000Z": a Lease's MicroTime.
std::string micro_time_now();

}  // namespace ambient::controlplane::kube
