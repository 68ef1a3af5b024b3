#include "controlplane/runtimes/kubernetes/leader_election.hpp"

#include <ctime>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

namespace ambient::controlplane::kube {
namespace {

using nlohmann::json;

std::string spec_text(const json& lease, const char* field) {
    const auto spec = lease.find("spec");
    if (spec == lease.end() || !spec->is_object()) return {};
    const auto it = spec->find(field);
    return it != spec->end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string micro_time_now() {
    const auto now = std::chrono::system_clock::now();
    const auto seconds = std::chrono::system_clock::to_time_t(now);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    char out[64];
    std::snprintf(out, sizeof out, "%s.%06lldZ", text, static_cast<long long>(micros));
    return out;
}

LeaderElector::LeaderElector(const KubeClient& client, LeaseOptions options)
    : client_(client), options_(std::move(options)) {}

json LeaderElector::lease_body(const std::string& holder, std::optional<json> previous) const {
    const auto now = micro_time_now();
    json lease = previous ? std::move(*previous)
                          : json{{"apiVersion", "coordination.k8s.io/v1"},
                                 {"kind", "Lease"},
                                 {"metadata", {{"name", options_.name}, {"namespace", options_.namespace_}}},
                                 {"spec", json::object()}};
    auto& spec = lease["spec"];
    const bool transition = spec_text(lease, "holderIdentity") != holder;
    spec["holderIdentity"] = holder;
    spec["leaseDurationSeconds"] = static_cast<int>(options_.lease_duration.count());
    spec["renewTime"] = now;
    if (transition) {
        spec["acquireTime"] = now;
        spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + (previous ? 1 : 0);
    }
    return lease;
}

bool LeaderElector::try_acquire_or_renew(Clock::time_point now) {
    try {
        auto current = client_.find(kLeases, options_.namespace_, options_.name);
        if (!current) {
            client_.create(kLeases, options_.namespace_, lease_body(options_.identity, std::nullopt));
            observed_at_ = now;
            return leading_ = true;
        }
        const auto holder = spec_text(*current, "holderIdentity");
        const auto record = holder + "|" + spec_text(*current, "renewTime");
        if (record != observed_record_) {
            observed_record_ = record;
            observed_at_ = now;
        }
        const bool expired = now - observed_at_ > options_.lease_duration;
        if (holder != options_.identity && !holder.empty() && !expired) return leading_ = false;
        // Ours to renew, released, or expired: written with the read resourceVersion, so of
        // two replicas trying at once only one wins (the other gets 409).
        const auto written =
            client_.replace(kLeases, options_.namespace_, options_.name, lease_body(options_.identity, *current));
        observed_record_ = options_.identity + "|" + spec_text(written, "renewTime");
        observed_at_ = now;
        if (holder != options_.identity)
            spdlog::info("leader election: {} took the lease {}/{} (from '{}')", options_.identity, options_.namespace_,
                         options_.name, holder);
        return leading_ = true;
    } catch (const KubeApiError& e) {
        if (e.code() != 409)
            spdlog::warn("leader election: lease {}/{}: {}", options_.namespace_, options_.name, e.what());
    } catch (const std::exception& e) {
        spdlog::warn("leader election: lease {}/{}: {}", options_.namespace_, options_.name, e.what());
    }
    return leading_ = false;
}

bool LeaderElector::acquire(const std::atomic<bool>& stop) {
    while (!stop.load()) {
        if (try_acquire_or_renew(Clock::now())) return true;
        if (!wait_unless_stopped(options_.retry_period, stop)) break;
    }
    return false;
}

bool LeaderElector::hold(const std::atomic<bool>& stop) {
    auto renewed = Clock::now();
    while (wait_unless_stopped(options_.retry_period, stop)) {
        const auto now = Clock::now();
        if (try_acquire_or_renew(now)) {
            renewed = now;
            continue;
        }
        // Another holder shows in the Lease: it is theirs now. Otherwise keep trying until the
        // renew deadline, which ends well before the others may take over.
        const auto holder = observed_record_.substr(0, observed_record_.find('|'));
        if ((!holder.empty() && holder != options_.identity) || now - renewed > options_.renew_deadline) {
            spdlog::error("leader election: {} lost the lease {}/{}", options_.identity, options_.namespace_,
                          options_.name);
            return false;
        }
    }
    return true;
}

void LeaderElector::release() {
    if (!leading_) return;
    try {
        client_.update(kLeases, options_.namespace_, options_.name, [this](json& lease) {
            if (spec_text(lease, "holderIdentity") != options_.identity) return;  // not ours any more
            lease["spec"]["holderIdentity"] = "";
            lease["spec"]["renewTime"] = micro_time_now();
        });
    } catch (const std::exception& e) {
        spdlog::warn("leader election: releasing lease {}/{}: {}", options_.namespace_, options_.name, e.what());
    }
    leading_ = false;
}

}  // namespace ambient::controlplane::kube
