// Against a real cluster, only when KUBECONFIG is set (skipped otherwise): the objects the
// runtime creates are accepted by a real API server, their ownerReferences cascade, and the
// project's namespace stays. No runner becomes Ready (that needs the runner image in the
// cluster); kind is enough: `kind create cluster && KUBECONFIG=~/.kube/config
// build/bin/kube_runtime_tests --gtest_filter='RealCluster.*'`.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "controlplane/runtimes/kubernetes/kube_client.hpp"
#include "controlplane/runtimes/kubernetes/kube_config.hpp"
#include "controlplane/runtimes/kubernetes/kube_objects.hpp"
#include "controlplane/runtimes/kubernetes/kubernetes_runtime.hpp"

namespace ambient::controlplane::kube {
namespace {

using namespace std::chrono_literals;

TEST(RealCluster, ProvisionsAndRemovesASessionKeepingTheNamespace) {
    const char* kubeconfig = std::getenv("KUBECONFIG");
    if (!kubeconfig || !*kubeconfig) GTEST_SKIP() << "skipped: KUBECONFIG is not set (no real cluster)";
    const KubeClient client(resolve_kube_config({}, [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        return v ? std::optional<std::string>(v) : std::nullopt;
    }));
    const std::string project = "ambient-kube-test-" + std::to_string(std::time(nullptr) % 100000);
    const nlohmann::json session{{"id", "2ZkQ9xAbCdEfGhIjKlMnOpQrStU"},
                                 {"project_id", project},
                                 {"kube_cr_name", "session-2zkq9xabcdefghijklmnopqrstu"},
                                 {"phase", "Pending"}};
    KubernetesRuntimeOptions options;
    options.objects.runner_image = "registry.invalid/ambient-runner:none";  // never pulled in time
    const auto names = session_names(session);
    {
        KubernetesRuntime runtime(client, options);
        runtime.adopt();
        runtime.provision({session, "", "token"});
        for (const auto* kind : {&kSecrets, &kServiceAccounts, &kPods, &kServices, &kNetworkPolicies})
            EXPECT_EQ(client.list(*kind, names.namespace_)["items"].size(), 1u) << kind->plural;
        EXPECT_TRUE(runtime.write_token(names.session_id, "token-2"));
        runtime.remove(names.session_id);
    }
    // The garbage collector deletes the dependents in the background.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && !client.list(kServices, names.namespace_)["items"].empty())
        std::this_thread::sleep_for(500ms);
    EXPECT_TRUE(client.list(kSecrets, names.namespace_, session_selector(names))["items"].empty());
    EXPECT_TRUE(client.list(kServices, names.namespace_)["items"].empty());
    EXPECT_TRUE(client.find(kNamespaces, "", names.namespace_).has_value());
    client.remove(kNamespaces, "", names.namespace_);  // the test's own clean-up, not the runtime's
}

}  // namespace
}  // namespace ambient::controlplane::kube
