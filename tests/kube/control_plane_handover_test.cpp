// Two (then three) real ambient-control-plane processes with --runtime kubernetes and
// --leader-elect against the fake Kubernetes API server: one leads, the other waits; a leader
// that stops hands over at once, one that crashes within the lease duration. No API server
// runs (its URL refuses connections): the election does not need one.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "controlplane/runtimes/kubernetes/kube_client.hpp"
#include "support/fake_kube_apiserver.hpp"
#include "support/server_process.hpp"

namespace ambient::controlplane::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class ControlPlaneHandOver : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = testing::FakeKubeApiServer::unavailable(AMBIENT_FAKE_KUBE_DIR)) GTEST_SKIP() << *why;
        fake_ = std::make_unique<testing::FakeKubeApiServer>(AMBIENT_FAKE_KUBE_DIR, std::vector<std::string>{"t"});
        kubeconfig_ = dir_.path() / "kubeconfig";
        std::ofstream(kubeconfig_) << "current-context: c\nclusters: [{name: k, cluster: {server: '" << fake_->url()
                                   << "'}}]\nusers: [{name: u, user: {token: t}}]\n"
                                      "contexts: [{name: c, context: {cluster: k, user: u}}]\n";
        KubeConfig config;
        config.server = fake_->url();
        config.token = "t";
        client_ = std::make_unique<KubeClient>(config);
        client_->create(kNamespaces, "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "cp"}}}});
    }

    std::unique_ptr<testing::ServerProcess> start(const std::string& name) const {
        return std::make_unique<testing::ServerProcess>(
            testing::binary_dir() / "ambient-control-plane",
            std::vector<std::string>{"--runtime", "kubernetes", "--leader-elect", "--lease-duration", "2s",
                                     "--metrics-bindaddress", "127.0.0.1:0", "--data-dir",
                                     (dir_.path() / name).string()},
            std::vector<std::string>{"AMBIENT_API_TOKEN=service-token", "AMBIENT_API_SERVER_URL=http://127.0.0.1:1",
                                     "KUBECONFIG=" + kubeconfig_.string(), "POD_NAMESPACE=cp", "POD_NAME=" + name,
                                     "RUNNER_IMAGE=registry.example/ambient-runner:1"});
    }
    std::string holder() const {
        return client_->get(kLeases, "cp", "ambient-control-plane")["spec"].value("holderIdentity", "");
    }
    // Lease reads that were not followed by a write: a standby's attempts.
    long standby_attempts() const {
        long gets = 0, puts = 0;
        for (const auto& r : fake_->control("GET", "/__fake/requests")) {
            if (r["path"] != "/apis/coordination.k8s.io/v1/namespaces/cp/leases/ambient-control-plane") continue;
            gets += r["method"] == "GET";
            puts += r["method"] == "PUT";
        }
        return gets - puts;
    }
    bool wait_for_standby_attempts(long n) const {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (standby_attempts() >= n) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    // Whether `process` logged `text` within a deadline (its log is read every 50 ms).
    static bool wait_for_log(const testing::ServerProcess& process, const std::string& text) {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (process.log().find(text) != std::string::npos) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    testing::TempDir dir_;
    std::filesystem::path kubeconfig_;
    std::unique_ptr<testing::FakeKubeApiServer> fake_;
    std::unique_ptr<KubeClient> client_;
};

TEST_F(ControlPlaneHandOver, AStandbyLeadsWhenTheLeaderStopsOrCrashes) {
    auto a = start("cp-a");  // every replica serves /metrics at once, leader or not
    ASSERT_TRUE(wait_for_log(*a, "leader election: cp-a leads"));
    EXPECT_EQ(holder(), "cp-a");

    auto b = start("cp-b");
    ASSERT_TRUE(wait_for_standby_attempts(3));  // b is trying, and waiting
    EXPECT_EQ(holder(), "cp-a");
    EXPECT_EQ(b->log().find("cp-b leads"), std::string::npos);

    // A leader stopping releases the Lease: b leads at its next attempt.
    const auto stopped = std::chrono::steady_clock::now();
    EXPECT_EQ(a->stop(), 0);
    ASSERT_TRUE(wait_for_log(*b, "leader election: cp-b leads"));
    EXPECT_LT(std::chrono::steady_clock::now() - stopped, 2s);
    EXPECT_EQ(holder(), "cp-b");

    // A leader that crashes keeps the Lease until it expires: c leads after the lease
    // duration (2 s) seen without renewal, and not long after.
    ::kill(b->pid(), SIGKILL);
    const auto crashed = std::chrono::steady_clock::now();
    auto c = start("cp-c");
    ASSERT_TRUE(wait_for_log(*c, "leader election: cp-c leads"));
    const auto took = std::chrono::steady_clock::now() - crashed;
    EXPECT_GE(took, 2s);
    EXPECT_LT(took, 5s);
    EXPECT_EQ(holder(), "cp-c");
    b->stop();
}

}  // namespace
}  // namespace ambient::controlplane::kube
