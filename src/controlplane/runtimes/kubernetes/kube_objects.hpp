#pragma once
// The Kubernetes objects of a project and of a session, as JSON bodies for the API server:
// pure functions, so what a runner Pod may do is read in one place and tested without a cluster.
//
// Per project a Namespace, lower(project_id), never deleted by a session. Per session an
// anchor Secret holding the runner token, then a ServiceAccount, the runner Pod, a Service and
// a NetworkPolicy, each owned by the anchor (ownerReferences), so deleting the anchor deletes
// them all and nothing else. Names derive from the session's kube_cr_name, the API server's
// lower-case, DNS-safe, collision-free name ("session-<base32hex>"); labels keep the raw id.
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/runtime.hpp"

namespace ambient::controlplane::kube {

inline constexpr const char* kLabelManaged = "ambient-code.io/managed";
inline constexpr const char* kLabelManagedBy = "ambient-code.io/managed-by";
inline constexpr const char* kLabelProjectId = "ambient-code.io/project-id";
inline constexpr const char* kLabelSessionId = "ambient-code.io/session-id";
inline constexpr const char* kManagedBy = "ambient-control-plane";
inline constexpr const char* kTokenKey = "bot-token";
inline constexpr const char* kTokenDir = "/var/run/secrets/ambient";
inline constexpr const char* kTokenPath = "/var/run/secrets/ambient/bot-token";
inline constexpr const char* kWorkspace = "/workspace";
inline constexpr int kAguiPort = 8001;
inline constexpr const char* kRunnerContainer = "runner";

struct PodResources {
    std::map<std::string, std::string> requests;  // "cpu" → "500m", "memory" → "1Gi"
    std::map<std::string, std::string> limits;
};

struct KubeObjectOptions {
    std::string runner_image = "ambient-runner:latest";
    std::string image_pull_policy;  // "" = the cluster's default
    std::string backend_api_url;    // BACKEND_API_URL, as a Pod reaches the API server
    std::string default_runner_type;
    std::int64_t runner_uid = 65532;  // the runner image's non-root user (deploy/containers)
    std::int64_t runner_gid = 65532;
    PodResources resources{{{"cpu", "500m"}, {"memory", "1Gi"}}, {{"cpu", "2"}, {"memory", "4Gi"}}};
    int termination_grace_seconds = 30;
    // Who may reach a runner's port 8001: the API server's Pods (it proxies AG-UI), by their
    // namespace and labels.
    std::string api_server_namespace = "ambient-code";
    std::map<std::string, std::string> api_server_pod_labels{{"app.kubernetes.io/name", "ambient-api-server"}};
};

// The names of one session's objects.
struct SessionNames {
    std::string session_id;  // raw, as the API server has it
    std::string project_id;
    std::string namespace_;  // lower(project_id)
    std::string base;        // kube_cr_name; also the Service's name
    std::string secret, service_account, pod, service, network_policy;
};

// Throws SessionSpecError (runner_env.hpp) when the session lacks an id, a project_id whose
// lower case is a DNS label, or a DNS-safe kube_cr_name.
SessionNames session_names(const nlohmann::json& session);
std::string namespace_for_project(const std::string& project_id);

// The labels every per-session object carries (and the Pod selector of its Service).
nlohmann::json session_labels(const SessionNames& names);
// `ambient-code.io/session-id=<id>,…managed-by=…`: a label selector of one session's Pods.
std::string session_selector(const SessionNames& names);
// All Pods this control plane manages (adopt() lists them).
std::string managed_selector();

nlohmann::json namespace_object(const std::string& project_id);
// The anchor: created first, its uid then owns the rest.
nlohmann::json token_secret(const SessionNames& names, const std::string& token);
// {"data":{"bot-token":…}}: the merge patch write_token sends.
nlohmann::json token_patch(const std::string& token);
// An ownerReference to a created object (its apiVersion, kind, metadata.name and uid).
nlohmann::json owner_reference(const nlohmann::json& owner);

nlohmann::json service_account(const SessionNames& names, const nlohmann::json& owner);
// Throws SessionSpecError for unusable resource_overrides.
nlohmann::json runner_pod(const SessionNames& names, const ProvisionRequest& request, const KubeObjectOptions& options,
                          const nlohmann::json& owner);
nlohmann::json runner_service(const SessionNames& names, const nlohmann::json& owner);
nlohmann::json runner_network_policy(const SessionNames& names, const KubeObjectOptions& options,
                                     const nlohmann::json& owner);

// The session's `resource_overrides` over the defaults: JSON text, {"requests":{…},"limits":{…}}
// at the top level or under "resources", or plain {"cpu","memory"} taken as limits. Values are
// Kubernetes quantities; anything else throws SessionSpecError.
PodResources pod_resources(const PodResources& defaults, const nlohmann::json& session);

// Where the API server reaches the runner: the Service's cluster DNS name.
std::string runner_url(const SessionNames& names);

}  // namespace ambient::controlplane::kube
