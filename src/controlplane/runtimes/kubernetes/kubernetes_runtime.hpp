#pragma once
// The `kubernetes` runtime: a session's runner is a Pod in its project's namespace, beside
// the Secret holding its token, a ServiceAccount, a Service and a NetworkPolicy, all owned by
// the Secret (kube_objects.hpp). One cluster-wide watch of the managed Pods tells readiness and
// exits (pod_status.hpp); nothing polls.
//
// Listener calls come from a thread of the runtime's own, never from inside a method: the
// reconcile loop calls in holding the lock its listener takes.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "controlplane/runtime.hpp"
#include "controlplane/runtimes/kubernetes/kube_client.hpp"
#include "controlplane/runtimes/kubernetes/kube_objects.hpp"

namespace ambient::controlplane {
struct ControlPlaneConfig;
}

namespace ambient::controlplane::kube {

struct KubernetesRuntimeOptions {
    KubeObjectOptions objects;
};

KubernetesRuntimeOptions kubernetes_runtime_options(const ControlPlaneConfig& config);

class KubernetesRuntime : public Runtime {
public:
    KubernetesRuntime(const KubeClient& client, KubernetesRuntimeOptions options);
    ~KubernetesRuntime() override;
    KubernetesRuntime(const KubernetesRuntime&) = delete;
    KubernetesRuntime& operator=(const KubernetesRuntime&) = delete;

    // Starts the Pod watch (provision() would too).
    void set_listener(Listener listener) override;
    // Lists the managed Pods: those alive are kept (ready or not); the ended ones are left for
    // provision() to replace.
    std::vector<std::string> adopt() override;
    bool has_runner(const std::string& session_id) const override;
    std::size_t live_runners() const override;
    std::vector<std::string> runner_ids() const override;
    // Namespace (get-or-create), anchor Secret (created, or its token rewritten), then the
    // ServiceAccount, Service, NetworkPolicy and Pod owned by it. An ended Pod is replaced.
    void provision(const ProvisionRequest& request) override;
    // The Service's cluster DNS URL once the Pod is Ready.
    std::optional<std::string> ready_url(const std::string& session_id) const override;
    // Rewrites the anchor Secret; the kubelet updates the mounted file.
    bool write_token(const std::string& session_id, const std::string& token) override;
    // Deletes the Pod (its grace period is the runner's SIGTERM time).
    void stop(const std::string& session_id) override;
    // Deletes the anchor Secret: its dependents go with it. Never the namespace.
    void remove(const std::string& session_id) override;

    // "kubernetes (server, image)", for the start-up log line.
    std::string describe() const;
    // Deletes every runner Pod (--stop-runners-on-exit); their exits are not waited for.
    void stop_all();

private:
    struct Runner {
        SessionNames names;
        bool ready = false;
        bool requested = false;      // stop() or remove() asked
        bool seen = false;           // the watch has seen its Pod
        std::string pod_uid{};       // events of an earlier Pod of the same name are not its
        std::string replaced_uid{};  // the ended Pod provision() deleted for this one
    };

    void start_threads();
    void post(std::function<void()> call);  // runs on the notifier thread
    void watch_pods();
    void on_listed(const nlohmann::json& pods);
    void on_pod(const std::string& type, const nlohmann::json& pod);
    nlohmann::json ensure_anchor(const SessionNames& names, const std::string& token);
    void ensure_namespace(const std::string& project_id);
    // The runner's end, told once; the Pod stays (its status and logs) unless it is stuck.
    void ended(const std::string& id, int exit_code, const std::string& reason, const std::string& message);

    const KubeClient& client_;
    KubernetesRuntimeOptions options_;

    mutable std::mutex mutex_;
    std::map<std::string, Runner> runners_;      // sessions whose Pod is alive
    std::map<std::string, SessionNames> known_;  // every session with objects, until remove()
    std::set<std::string> namespaces_;           // known to exist
    Listener listener_;

    std::once_flag started_;
    std::atomic<bool> stopping_{false};
    std::thread watcher_;
    std::mutex notify_mutex_;
    std::condition_variable notify_changed_;
    std::deque<std::function<void()>> notifications_;
    std::thread notifier_;
};

}  // namespace ambient::controlplane::kube
