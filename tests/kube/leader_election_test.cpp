// Leader election over a Lease against the fake Kubernetes API server: time is passed in, so
// expiry is tested without waiting for it.
#include "controlplane/runtimes/kubernetes/leader_election.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "support/fake_kube_apiserver.hpp"

namespace ambient::controlplane::kube {
namespace {

using namespace std::chrono_literals;
using Clock = LeaderElector::Clock;

class LeaderElection : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = testing::FakeKubeApiServer::unavailable(AMBIENT_FAKE_KUBE_DIR)) GTEST_SKIP() << *why;
        fake_ = std::make_unique<testing::FakeKubeApiServer>(AMBIENT_FAKE_KUBE_DIR, std::vector<std::string>{"t"});
        KubeConfig config;
        config.server = fake_->url();
        config.token = "t";
        client_ = std::make_unique<KubeClient>(config);
        client_->create(kNamespaces, "",
                        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ambient-code"}}}});
    }
    LeaseOptions lease(const std::string& identity) const {
        return {.namespace_ = "ambient-code",
                .name = "ambient-control-plane",
                .identity = identity,
                .lease_duration = 10s,
                .renew_deadline = 6s,
                .retry_period = 20ms};
    }
    std::string holder() const {
        return client_->get(kLeases, "ambient-code", "ambient-control-plane")["spec"].value("holderIdentity", "");
    }

    std::unique_ptr<testing::FakeKubeApiServer> fake_;
    std::unique_ptr<KubeClient> client_;
};

TEST_F(LeaderElection, OneHoldsTheLeaseAndAStandbyTakesOverOnlyAfterTheDuration) {
    LeaderElector a(*client_, lease("cp-a"));
    LeaderElector b(*client_, lease("cp-b"));
    const auto t0 = Clock::now();
    EXPECT_TRUE(a.try_acquire_or_renew(t0));
    EXPECT_FALSE(b.try_acquire_or_renew(t0));
    EXPECT_TRUE(a.try_acquire_or_renew(t0 + 5s));   // renewed: b sees the record change
    EXPECT_FALSE(b.try_acquire_or_renew(t0 + 9s));  // b saw it change at 9s
    EXPECT_FALSE(b.try_acquire_or_renew(t0 + 18s));
    EXPECT_EQ(holder(), "cp-a");
    // a falls silent: b takes the Lease once it saw no change for the lease duration.
    EXPECT_TRUE(b.try_acquire_or_renew(t0 + 20s));
    EXPECT_EQ(holder(), "cp-b");
    EXPECT_FALSE(a.try_acquire_or_renew(t0 + 21s));  // a sees b's renewal: not expired
    const auto spec = client_->get(kLeases, "ambient-code", "ambient-control-plane")["spec"];
    EXPECT_EQ(spec["leaseTransitions"], 1);
    EXPECT_EQ(spec["leaseDurationSeconds"], 10);
}

TEST_F(LeaderElection, AReleasedLeaseIsTakenAtOnce) {
    LeaderElector a(*client_, lease("cp-a"));
    LeaderElector b(*client_, lease("cp-b"));
    const auto t0 = Clock::now();
    ASSERT_TRUE(a.try_acquire_or_renew(t0));
    EXPECT_FALSE(b.try_acquire_or_renew(t0));
    a.release();
    EXPECT_EQ(holder(), "");
    EXPECT_TRUE(b.try_acquire_or_renew(t0 + 1s));
    EXPECT_EQ(holder(), "cp-b");
}

TEST_F(LeaderElection, TwoCandidatesAtOnceElectOne) {
    std::vector<std::unique_ptr<LeaderElector>> electors;
    for (const auto* id : {"cp-a", "cp-b", "cp-c", "cp-d"})
        electors.push_back(std::make_unique<LeaderElector>(*client_, lease(id)));
    std::atomic<int> leaders{0};
    std::vector<std::thread> threads;
    for (auto& e : electors)
        threads.emplace_back([&, elector = e.get()] { leaders += elector->try_acquire_or_renew(Clock::now()); });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(leaders.load(), 1);
}

TEST_F(LeaderElection, HoldEndsWhenAnotherTookTheLease) {
    LeaderElector a(*client_, lease("cp-a"));
    std::atomic<bool> stop{false};
    ASSERT_TRUE(a.acquire(stop));
    std::atomic<int> held{-1};
    std::thread holding([&] { held = a.hold(stop) ? 1 : 0; });
    // Someone else writes the Lease as its holder (a partition healed, a forced take-over).
    client_->update(kLeases, "ambient-code", "ambient-control-plane",
                    [](nlohmann::json& l) { l["spec"]["holderIdentity"] = "cp-z"; });
    holding.join();
    EXPECT_EQ(held.load(), 0);
}

}  // namespace
}  // namespace ambient::controlplane::kube
