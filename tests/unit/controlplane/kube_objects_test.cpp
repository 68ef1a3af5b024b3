#include "controlplane/runtimes/kubernetes/kube_objects.hpp"

#include <gtest/gtest.h>

#include <set>

#include "common/crypto/base64.hpp"
#include "controlplane/runner_env.hpp"

namespace ambient::controlplane::kube {
namespace {

using nlohmann::json;

const json kSession{{"id", "2ZkQ9xAbCdEfGhIjKlMnOpQrStU"},
                    {"project_id", "Team-A"},
                    {"name", "fix the build"},
                    {"kube_cr_name", "session-abcdefghijklmnopqrstuvwxyz012345"},
                    {"prompt", "hello"},
                    {"environment_variables", R"({"RUNNER_TYPE":"echo","SESSION_ID":"forged","BOT_TOKEN_FILE":"/x"})"}};

const json kSecretCreated{{"apiVersion", "v1"},
                          {"kind", "Secret"},
                          {"metadata", {{"name", "session-abcdefghijklmnopqrstuvwxyz012345-token"}, {"uid", "u-1"}}}};

KubeObjectOptions options() {
    KubeObjectOptions o;
    o.runner_image = "registry.example/ambient-runner:1";
    o.backend_api_url = "http://ambient-api-server.ambient-code.svc:8000";
    o.runner_uid = 1001;
    o.runner_gid = 1002;
    return o;
}

std::map<std::string, std::string> env_of(const json& pod) {
    std::map<std::string, std::string> env;
    for (const auto& e : pod["spec"]["containers"][0]["env"])
        env[e["name"]] = e["value"];
    return env;
}

TEST(KubeObjects, NamesAreTheApiServersCanonicalNameAndLabelsKeepTheRawId) {
    const auto names = session_names(kSession);
    EXPECT_EQ(names.namespace_, "team-a");
    EXPECT_EQ(names.service, "session-abcdefghijklmnopqrstuvwxyz012345");
    EXPECT_EQ(names.secret, names.base + "-token");
    EXPECT_EQ(names.service_account, names.base + "-sa");
    EXPECT_EQ(names.pod, names.base + "-runner");
    EXPECT_EQ(session_labels(names)[kLabelSessionId], "2ZkQ9xAbCdEfGhIjKlMnOpQrStU");
    EXPECT_EQ(session_labels(names)[kLabelProjectId], "Team-A");
    EXPECT_EQ(runner_url(names), "http://session-abcdefghijklmnopqrstuvwxyz012345.team-a.svc:8001");
    EXPECT_EQ(
        session_selector(names),
        "ambient-code.io/session-id=2ZkQ9xAbCdEfGhIjKlMnOpQrStU,ambient-code.io/managed-by=ambient-control-plane");
}

TEST(KubeObjects, UnusableNamesAreRefused) {
    for (const auto& [field, value] : std::vector<std::pair<const char*, const char*>>{
             {"kube_cr_name", "Session-Upper"},
             {"kube_cr_name", ""},
             {"kube_cr_name", "session-with-a-name-far-too-long-for-the-suffixes-we-add-to-it"},
             {"project_id", "under_score"},
             {"id", ""}}) {
        auto session = kSession;
        session[field] = value;
        EXPECT_THROW(session_names(session), SessionSpecError) << field << "=" << value;
    }
}

TEST(KubeObjects, NamespaceCarriesUpstreamsLabels) {
    const auto ns = namespace_object("Team-A");
    EXPECT_EQ(ns["kind"], "Namespace");
    EXPECT_EQ(ns["metadata"]["name"], "team-a");
    EXPECT_EQ(ns["metadata"]["labels"], (json{{"ambient-code.io/managed", "true"},
                                              {"ambient-code.io/project-id", "Team-A"},
                                              {"ambient-code.io/managed-by", "ambient-control-plane"}}));
}

TEST(KubeObjects, AnchorSecretHoldsTheTokenAndEverythingElseIsOwnedByIt) {
    const auto names = session_names(kSession);
    const auto secret = token_secret(names, "tok-1");
    EXPECT_EQ(secret["metadata"]["namespace"], "team-a");
    EXPECT_FALSE(secret["metadata"].contains("ownerReferences"));
    EXPECT_EQ(crypto::base64_decode(secret["data"]["bot-token"].get<std::string>()), "tok-1");
    EXPECT_EQ(token_patch("tok-2")["data"]["bot-token"], crypto::base64_encode("tok-2"));

    const json expected_owner = json::array(
        {{{"apiVersion", "v1"}, {"kind", "Secret"}, {"name", names.secret}, {"uid", "u-1"}, {"controller", true}}});
    const ProvisionRequest request{kSession, R"({"github":"c1"})", "tok-1"};
    for (const auto& object :
         {service_account(names, kSecretCreated), runner_pod(names, request, options(), kSecretCreated),
          runner_service(names, kSecretCreated), runner_network_policy(names, options(), kSecretCreated)}) {
        EXPECT_EQ(object["metadata"]["ownerReferences"], expected_owner) << object["kind"];
        EXPECT_EQ(object["metadata"]["namespace"], "team-a") << object["kind"];
        EXPECT_EQ(object["metadata"]["labels"], session_labels(names)) << object["kind"];
    }
    EXPECT_EQ(service_account(names, kSecretCreated)["automountServiceAccountToken"], false);
}

TEST(KubeObjects, PodIsLockedDown) {
    const auto names = session_names(kSession);
    const auto pod = runner_pod(names, {kSession, "", "t"}, options(), kSecretCreated);
    const auto& spec = pod["spec"];
    EXPECT_EQ(spec["restartPolicy"], "Never");
    EXPECT_EQ(spec["automountServiceAccountToken"], false);
    EXPECT_EQ(spec["serviceAccountName"], names.service_account);
    EXPECT_EQ(spec["securityContext"]["runAsNonRoot"], true);
    EXPECT_EQ(spec["securityContext"]["runAsUser"], 1001);
    EXPECT_EQ(spec["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
    ASSERT_EQ(spec["containers"].size(), 1u);
    const auto& c = spec["containers"][0];
    EXPECT_EQ(c["image"], "registry.example/ambient-runner:1");
    const auto& sc = c["securityContext"];
    EXPECT_EQ(sc["runAsNonRoot"], true);
    EXPECT_EQ(sc["runAsUser"], 1001);
    EXPECT_EQ(sc["runAsGroup"], 1002);
    EXPECT_EQ(sc["readOnlyRootFilesystem"], true);
    EXPECT_EQ(sc["allowPrivilegeEscalation"], false);
    EXPECT_EQ(sc["capabilities"]["drop"], json::array({"ALL"}));
    EXPECT_EQ(sc["seccompProfile"]["type"], "RuntimeDefault");
    EXPECT_EQ(c["ports"][0], (json{{"name", "agui"}, {"containerPort", 8001}, {"protocol", "TCP"}}));

    std::map<std::string, json> mounts;
    for (const auto& m : c["volumeMounts"])
        mounts[m["name"]] = m;
    EXPECT_EQ(mounts["bot-token"]["mountPath"], "/var/run/secrets/ambient");
    EXPECT_EQ(mounts["bot-token"]["readOnly"], true);
    EXPECT_FALSE(mounts["bot-token"].contains("subPath"));  // a subPath mount never sees a new token
    EXPECT_EQ(mounts["workspace"]["mountPath"], "/workspace");
    EXPECT_EQ(mounts["tmp"]["mountPath"], "/tmp");
    std::map<std::string, json> volumes;
    for (const auto& v : spec["volumes"])
        volumes[v["name"]] = v;
    EXPECT_EQ(volumes["bot-token"]["secret"]["secretName"], names.secret);
    EXPECT_EQ(volumes["bot-token"]["secret"]["items"][0], (json{{"key", "bot-token"}, {"path", "bot-token"}}));
    EXPECT_TRUE(volumes["workspace"].contains("emptyDir"));
    EXPECT_TRUE(volumes["tmp"].contains("emptyDir"));
}

TEST(KubeObjects, PodEnvironmentIsTheRunnersAsTheLocalRuntimeBuildsIt) {
    const auto names = session_names(kSession);
    const ProvisionRequest request{kSession, R"({"github":"c1"})", "t"};
    const auto env = env_of(runner_pod(names, request, options(), kSecretCreated));
    RunnerEnvInputs inputs{.backend_api_url = options().backend_api_url,
                           .default_runner_type = "",
                           .credential_ids = request.credential_ids,
                           .token_file = kTokenPath,
                           .workspace = kWorkspace,
                           .home = "/tmp",
                           .claude_cli = "",
                           .agui_host = "0.0.0.0",
                           .agui_port = "8001"};
    std::map<std::string, std::string> expected;
    for (const auto& entry : build_runner_env(kSession, inputs))
        expected[entry.substr(0, entry.find('='))] = entry.substr(entry.find('=') + 1);
    EXPECT_EQ(env, expected);
    EXPECT_EQ(env.at("SESSION_ID"), "2ZkQ9xAbCdEfGhIjKlMnOpQrStU");  // never the session's own
    EXPECT_EQ(env.at("BOT_TOKEN_FILE"), "/var/run/secrets/ambient/bot-token");
    EXPECT_EQ(env.at("AGUI_HOST"), "0.0.0.0");
    EXPECT_EQ(env.at("AGUI_PORT"), "8001");
    EXPECT_EQ(env.at("RUNNER_TYPE"), "echo");
    EXPECT_EQ(env.at("CREDENTIAL_IDS"), R"({"github":"c1"})");
    EXPECT_EQ(env.at("BACKEND_API_URL"), "http://ambient-api-server.ambient-code.svc:8000");
    EXPECT_FALSE(env.contains("BOT_TOKEN"));  // the token is a file only, never frozen in env
}

TEST(KubeObjects, ResourcesComeFromTheOverridesOrTheDefaults) {
    const auto names = session_names(kSession);
    const auto resources_of = [&](const json& session) {
        return runner_pod(names, {session, "", "t"}, options(), kSecretCreated)["spec"]["containers"][0]["resources"];
    };
    EXPECT_EQ(resources_of(kSession), (json{{"requests", {{"cpu", "500m"}, {"memory", "1Gi"}}},
                                            {"limits", {{"cpu", "2"}, {"memory", "4Gi"}}}}));
    auto session = kSession;
    session["resource_overrides"] = R"({"resources":{"requests":{"memory":"2Gi"},"limits":{"memory":"8Gi","cpu":4}}})";
    EXPECT_EQ(resources_of(session), (json{{"requests", {{"cpu", "500m"}, {"memory", "2Gi"}}},
                                           {"limits", {{"cpu", "4"}, {"memory", "8Gi"}}}}));
    session["resource_overrides"] = R"({"memory":"512Mi","pids":100})";
    EXPECT_EQ(resources_of(session)["limits"], (json{{"cpu", "2"}, {"memory", "512Mi"}}));
    for (const char* bad :
         {R"({"limits":{"memory":"lots"}})", R"({"limits":{"gpu":"1"}})", "not json", R"({"requests":"1Gi"})"}) {
        session["resource_overrides"] = bad;
        EXPECT_THROW(resources_of(session), SessionSpecError) << bad;
    }
}

TEST(KubeObjects, ServiceAndNetworkPolicyExposeOnlyAguiToTheApiServer) {
    const auto names = session_names(kSession);
    const auto service = runner_service(names, kSecretCreated);
    EXPECT_EQ(service["metadata"]["name"], "session-abcdefghijklmnopqrstuvwxyz012345");
    EXPECT_EQ(service["spec"]["ports"],
              json::array({{{"name", "agui"}, {"port", 8001}, {"targetPort", "agui"}, {"protocol", "TCP"}}}));
    EXPECT_EQ(service["spec"]["selector"][kLabelSessionId], "2ZkQ9xAbCdEfGhIjKlMnOpQrStU");

    const auto policy = runner_network_policy(names, options(), kSecretCreated);
    EXPECT_EQ(policy["spec"]["podSelector"]["matchLabels"][kLabelSessionId], "2ZkQ9xAbCdEfGhIjKlMnOpQrStU");
    EXPECT_EQ(policy["spec"]["policyTypes"], json::array({"Ingress"}));
    ASSERT_EQ(policy["spec"]["ingress"].size(), 1u);
    const auto& rule = policy["spec"]["ingress"][0];
    EXPECT_EQ(rule["ports"], json::array({{{"protocol", "TCP"}, {"port", 8001}}}));
    EXPECT_EQ(rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], "ambient-code");
    EXPECT_EQ(rule["from"][0]["podSelector"]["matchLabels"], (json{{"app.kubernetes.io/name", "ambient-api-server"}}));
}

}  // namespace
}  // namespace ambient::controlplane::kube
