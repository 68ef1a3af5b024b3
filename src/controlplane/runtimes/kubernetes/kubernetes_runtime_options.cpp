// The kubernetes runtime's options from the control plane's configuration.
#include "controlplane/config.hpp"
#include "controlplane/runtimes/kubernetes/kubernetes_runtime.hpp"

namespace ambient::controlplane::kube {

KubernetesRuntimeOptions kubernetes_runtime_options(const ControlPlaneConfig& config) {
    KubernetesRuntimeOptions o;
    o.objects.runner_image = config.runner_image;
    o.objects.image_pull_policy = config.runner_image_pull_policy;
    o.objects.backend_api_url = config.backend_api_url;
    o.objects.default_runner_type = config.runner_type;
    if (config.runner_uid) {
        o.objects.runner_uid = config.runner_uid->first;
        o.objects.runner_gid = config.runner_uid->second;
    }
    o.objects.termination_grace_seconds = static_cast<int>(config.stop_grace.count());
    o.objects.api_server_namespace = config.api_server_namespace;
    return o;
}

}  // namespace ambient::controlplane::kube
