#include "controlplane/runtimes/kubernetes/kube_objects.hpp"

#include <algorithm>
#include <regex>

#include "common/crypto/base64.hpp"
#include "controlplane/runner_env.hpp"

namespace ambient::controlplane::kube {
namespace {

using nlohmann::json;

std::string text_field(const json& o, const char* name) {
    const auto it = o.find(name);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// RFC 1123 label: what a Namespace, Service and NetworkPolicy name must be.
bool dns_label(const std::string& name) {
    static const std::regex pattern("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    return name.size() <= 63 && std::regex_match(name, pattern);
}

bool quantity(const std::string& value) {
    // Kubernetes' own quantity grammar, as its API server checks it.
    static const std::regex pattern("[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+|[numkKMGTPE]|[KMGTPE]i)?");
    return std::regex_match(value, pattern);
}

json metadata(const SessionNames& names, const std::string& name, const json& owner) {
    json meta{{"name", name}, {"namespace", names.namespace_}, {"labels", session_labels(names)}};
    if (!owner.is_null()) meta["ownerReferences"] = json::array({owner_reference(owner)});
    return meta;
}

// The pairs of one resource map ({"cpu":…,"memory":…}) from an override, checked.
void merge_quantities(std::map<std::string, std::string>& into, const json& from, const char* where) {
    if (from.is_null()) return;
    if (!from.is_object()) throw SessionSpecError(std::string("resource_overrides: ") + where + " is not an object");
    for (const auto& [name, value] : from.items()) {
        if (name != "cpu" && name != "memory" && name != "ephemeral-storage")
            throw SessionSpecError("resource_overrides: " + std::string(where) + "." + name.substr(0, 32) +
                                   " is not cpu, memory or ephemeral-storage");
        const auto text = value.is_string() ? value.get<std::string>() : value.is_number() ? value.dump() : "";
        if (!quantity(text))
            throw SessionSpecError("resource_overrides: " + std::string(where) + "." + name +
                                   " is not a Kubernetes quantity");
        into[name] = text;
    }
}

json env_list(const std::vector<std::string>& entries) {
    auto out = json::array();
    for (const auto& entry : entries) {
        const auto eq = entry.find('=');
        out.push_back({{"name", entry.substr(0, eq)}, {"value", entry.substr(eq + 1)}});
    }
    return out;
}

}  // namespace

std::string namespace_for_project(const std::string& project_id) {
    auto ns = lower(project_id);
    if (!dns_label(ns)) throw SessionSpecError("project_id '" + project_id.substr(0, 64) + "' is not a DNS label");
    return ns;
}

SessionNames session_names(const json& session) {
    SessionNames names;
    names.session_id = text_field(session, "id");
    names.project_id = text_field(session, "project_id");
    check_session_identifier("id", names.session_id);
    check_session_identifier("project_id", names.project_id);
    names.namespace_ = namespace_for_project(names.project_id);
    names.base = text_field(session, "kube_cr_name");
    // The longest derived name adds 7 characters; the API server's names are 40.
    if (!dns_label(names.base) || names.base.size() > 63 - 7)
        throw SessionSpecError("session kube_cr_name '" + names.base.substr(0, 64) + "' is not a short DNS label");
    names.secret = names.base + "-token";
    names.service_account = names.base + "-sa";
    names.pod = names.base + "-runner";
    names.service = names.base;
    names.network_policy = names.base + "-agui";
    return names;
}

json session_labels(const SessionNames& names) {
    // A KSUID (27 letters and digits) is a valid label value as it is: the raw id is kept.
    return {{kLabelSessionId, names.session_id},
            {kLabelProjectId, names.project_id},
            {kLabelManaged, "true"},
            {kLabelManagedBy, kManagedBy}};
}

std::string session_selector(const SessionNames& names) {
    return std::string(kLabelSessionId) + "=" + names.session_id + "," + kLabelManagedBy + "=" + kManagedBy;
}

std::string managed_selector() {
    return std::string(kLabelManaged) + "=true," + kLabelManagedBy + "=" + kManagedBy;
}

json namespace_object(const std::string& project_id) {
    return {{"apiVersion", "v1"},
            {"kind", "Namespace"},
            {"metadata",
             {{"name", namespace_for_project(project_id)},
              {"labels", {{kLabelManaged, "true"}, {kLabelProjectId, project_id}, {kLabelManagedBy, kManagedBy}}}}}};
}

json token_secret(const SessionNames& names, const std::string& token) {
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", metadata(names, names.secret, nullptr)},
            {"type", "Opaque"},
            {"data", {{kTokenKey, crypto::base64_encode(token)}}}};
}

json token_patch(const std::string& token) {
    return {{"data", {{kTokenKey, crypto::base64_encode(token)}}}};
}

json owner_reference(const json& owner) {
    const auto& meta = owner.at("metadata");
    return {{"apiVersion", owner.at("apiVersion")},
            {"kind", owner.at("kind")},
            {"name", meta.at("name")},
            {"uid", meta.at("uid")},
            {"controller", true}};
}

json service_account(const SessionNames& names, const json& owner) {
    return {{"apiVersion", "v1"},
            {"kind", "ServiceAccount"},
            {"metadata", metadata(names, names.service_account, owner)},
            {"automountServiceAccountToken", false}};
}

PodResources pod_resources(const PodResources& defaults, const json& session) {
    PodResources out = defaults;
    const auto text = text_field(session, "resource_overrides");
    const auto it = session.find("resource_overrides");
    json overrides;
    if (it != session.end() && it->is_object()) {
        overrides = *it;
    } else if (!text.empty()) {
        overrides = json::parse(text, nullptr, false);
        if (!overrides.is_object()) throw SessionSpecError("resource_overrides is not a JSON object");
    } else {
        return out;
    }
    if (overrides.contains("resources")) overrides = overrides["resources"];
    if (!overrides.is_object()) throw SessionSpecError("resource_overrides: resources is not an object");
    if (overrides.contains("requests") || overrides.contains("limits")) {
        merge_quantities(out.requests, overrides.value("requests", json()), "requests");
        merge_quantities(out.limits, overrides.value("limits", json()), "limits");
    } else {
        json flat = json::object();
        for (const char* key : {"cpu", "memory"})
            if (overrides.contains(key)) flat[key] = overrides[key];
        merge_quantities(out.limits, flat, "limits");
    }
    return out;
}

json runner_pod(const SessionNames& names, const ProvisionRequest& request, const KubeObjectOptions& options,
                const json& owner) {
    const RunnerEnvInputs inputs{.backend_api_url = options.backend_api_url,
                                 .default_runner_type = options.default_runner_type,
                                 .credential_ids = request.credential_ids,
                                 .token_file = kTokenPath,
                                 .workspace = kWorkspace,
                                 .home = "/tmp",
                                 .claude_cli = "",
                                 .agui_host = "0.0.0.0",
                                 .agui_port = std::to_string(kAguiPort)};
    const auto resources = pod_resources(options.resources, request.session);
    const json seccomp{{"type", "RuntimeDefault"}};

    json container{
        {"name", kRunnerContainer},
        {"image", options.runner_image},
        {"ports", json::array({{{"name", "agui"}, {"containerPort", kAguiPort}, {"protocol", "TCP"}}})},
        {"env", env_list(build_runner_env(request.session, inputs))},
        {"resources", {{"requests", resources.requests}, {"limits", resources.limits}}},
        // Ready = the runner's /health answers: what the local runtime waits for too.
        {"readinessProbe", {{"httpGet", {{"path", "/health"}, {"port", "agui"}}}, {"periodSeconds", 2}}},
        {"securityContext",
         {{"runAsNonRoot", true},
          {"runAsUser", options.runner_uid},
          {"runAsGroup", options.runner_gid},
          {"allowPrivilegeEscalation", false},
          {"readOnlyRootFilesystem", true},
          {"capabilities", {{"drop", json::array({"ALL"})}}},
          {"seccompProfile", seccomp}}},
        // The Secret as a directory, never subPath: a subPath mount never sees a new token.
        {"volumeMounts", json::array({{{"name", "workspace"}, {"mountPath", kWorkspace}},
                                      {{"name", "tmp"}, {"mountPath", "/tmp"}},
                                      {{"name", "bot-token"}, {"mountPath", kTokenDir}, {"readOnly", true}}})}};
    if (!options.image_pull_policy.empty()) container["imagePullPolicy"] = options.image_pull_policy;

    json meta = metadata(names, names.pod, owner);
    meta["annotations"] = {{kLabelSessionId, names.session_id},
                           {"ambient-code.io/session-name", text_field(request.session, "name")}};
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", meta},
            {"spec",
             {{"restartPolicy", "Never"},
              {"serviceAccountName", names.service_account},
              {"automountServiceAccountToken", false},
              {"enableServiceLinks", false},
              {"terminationGracePeriodSeconds", options.termination_grace_seconds},
              {"securityContext",
               {{"runAsNonRoot", true},
                {"runAsUser", options.runner_uid},
                {"runAsGroup", options.runner_gid},
                {"fsGroup", options.runner_gid},
                {"seccompProfile", seccomp}}},
              {"containers", json::array({container})},
              {"volumes", json::array({{{"name", "workspace"}, {"emptyDir", json::object()}},
                                       {{"name", "tmp"}, {"emptyDir", json::object()}},
                                       {{"name", "bot-token"},
                                        {"secret",
                                         {{"secretName", names.secret},
                                          {"items", json::array({{{"key", kTokenKey}, {"path", kTokenKey}}})},
                                          // 0440: owner root, group fsGroup — the runner's group reads it.
                                          {"defaultMode", 0440}}}}})}}}};
}

json runner_service(const SessionNames& names, const json& owner) {
    return {{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata", metadata(names, names.service, owner)},
            {"spec",
             {{"type", "ClusterIP"},
              {"selector", {{kLabelSessionId, names.session_id}, {kLabelManagedBy, kManagedBy}}},
              {"ports",
               json::array({{{"name", "agui"}, {"port", kAguiPort}, {"targetPort", "agui"}, {"protocol", "TCP"}}})}}}};
}

json runner_network_policy(const SessionNames& names, const KubeObjectOptions& options, const json& owner) {
    json peer{{"namespaceSelector", {{"matchLabels", {{"kubernetes.io/metadata.name", options.api_server_namespace}}}}},
              {"podSelector", {{"matchLabels", options.api_server_pod_labels}}}};
    return {{"apiVersion", "networking.k8s.io/v1"},
            {"kind", "NetworkPolicy"},
            {"metadata", metadata(names, names.network_policy, owner)},
            {"spec",
             {{"podSelector", {{"matchLabels", {{kLabelSessionId, names.session_id}, {kLabelManagedBy, kManagedBy}}}}},
              {"policyTypes", json::array({"Ingress"})},
              {"ingress", json::array({{{"from", json::array({peer})},
                                        {"ports", json::array({{{"protocol", "TCP"}, {"port", kAguiPort}}})}}})}}}};
}

std::string runner_url(const SessionNames& names) {
    return "http://" + names.service + "." + names.namespace_ + ".svc:" + std::to_string(kAguiPort);
}

}  // namespace ambient::controlplane::kube
