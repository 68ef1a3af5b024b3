#include "controlplane/runtimes/kubernetes/kube_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "common/crypto/base64.hpp"

namespace ambient::controlplane::kube {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCa = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
constexpr const char* kCert = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
constexpr const char* kKey = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

class KubeConfigFiles : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("cp_kube_config_test." + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path write(const std::string& name, const std::string& text) const {
        const auto path = dir_ / name;
        std::ofstream(path) << text;
        return path;
    }
    KubeGetenv env(std::map<std::string, std::string> values) const {
        return [values = std::move(values)](const char* name) -> std::optional<std::string> {
            auto it = values.find(name);
            return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
        };
    }
    // The message of the KubeConfigError `load` throws.
    template <typename F>
    static std::string error_of(F load) {
        try {
            load();
        } catch (const KubeConfigError& e) {
            return e.what();
        }
        return "(no error)";
    }

    fs::path dir_;
};

TEST_F(KubeConfigFiles, CurrentContextPicksClusterUserAndNamespace) {
    const auto path = write("config", std::string(R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: other
  cluster: {server: "https://other:1"}
- name: kind
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: )") + crypto::base64_encode(kCa) +
                                          R"(
users:
- name: admin
  user:
    token: sekret
contexts:
- name: prod
  context: {cluster: other, user: admin}
- name: dev
  context: {cluster: kind, user: admin, namespace: team}
)");
    const auto config = load_kubeconfig(path);
    EXPECT_EQ(config.server, "https://127.0.0.1:6443");
    EXPECT_EQ(config.ca_pem, kCa);
    EXPECT_EQ(config.bearer_token(), "sekret");
    EXPECT_EQ(config.namespace_, "team");
    EXPECT_FALSE(config.insecure_skip_tls_verify);
    EXPECT_EQ(load_kubeconfig(path, "prod").server, "https://other:1");
}

TEST_F(KubeConfigFiles, FilesAreRelativeToTheKubeconfigAndTheTokenFileIsReadOnEveryUse) {
    write("ca.crt", kCa);
    write("client.crt", kCert);
    write("client.key", kKey);
    write("token", "first\n");
    const auto path = write("config", R"(current-context: c
clusters: [{name: k, cluster: {server: "https://k:6443", certificate-authority: ca.crt}}]
users: [{name: u, user: {client-certificate: client.crt, client-key: client.key, tokenFile: token}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
    const auto config = load_kubeconfig(path);
    EXPECT_EQ(config.ca_pem, kCa);
    EXPECT_EQ(config.client_cert_pem, kCert);
    EXPECT_EQ(config.client_key_pem, kKey);
    EXPECT_EQ(config.bearer_token(), "first");
    write("token", "second");
    EXPECT_EQ(config.bearer_token(), "second");
    const auto options = config.client_options();
    EXPECT_EQ(options.ca_pem, kCa);
    EXPECT_EQ(options.client_key_pem, kKey);
}

TEST_F(KubeConfigFiles, EmbeddedClientCertificateAndInsecureSkip) {
    const auto path =
        write("config", std::string(R"(current-context: c
clusters: [{name: k, cluster: {server: "https://k:6443", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {client-certificate-data: )") +
                            crypto::base64_encode(kCert) + ", client-key-data: " + crypto::base64_encode(kKey) + R"(}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
    const auto config = load_kubeconfig(path);
    EXPECT_TRUE(config.insecure_skip_tls_verify);
    EXPECT_TRUE(config.client_options().insecure_skip_verify);
    EXPECT_EQ(config.client_cert_pem, kCert);
    EXPECT_EQ(config.bearer_token(), "");
}

TEST_F(KubeConfigFiles, BadFilesSayWhatIsWrong) {
    struct Case {
        const char* text;
        const char* expected;
    };
    const Case cases[] = {
        {"clusters: [", "not YAML"},
        {"- a list", "no mapping at the top"},
        {"clusters: []\n", "no current-context"},
        {"current-context: x\ncontexts: []\n", "no entry 'x' in contexts"},
        {"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n", "no entry 'k' in clusters"},
        {"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: "
         "ftp://x}}]\n",
         "has no http(s) server"},
        {"current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: "
         "{server: https://x}}]\nusers: [{name: u, user: {client-certificate-data: QUJD}}]\n",
         "without its key"},
        {"current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: "
         "{server: https://x}}]\nusers: [{name: u, user: {exec: {command: aws}}}]\n",
         "not supported"},
        {"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: "
         "https://x, certificate-authority: missing.crt}}]\n",
         "cannot read"},
        {"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: "
         "https://x, certificate-authority-data: '!!'}}]\n",
         "not base64"},
    };
    for (const auto& c : cases) {
        const auto path = write("bad", c.text);
        const auto message = error_of([&] { load_kubeconfig(path); });
        EXPECT_NE(message.find(c.expected), std::string::npos) << c.text << " → " << message;
    }
    EXPECT_NE(error_of([&] { load_kubeconfig(dir_ / "absent"); }).find("cannot read"), std::string::npos);
}

TEST_F(KubeConfigFiles, InClusterUsesTheServiceAccountAndServiceHost) {
    write("token", "sa-token\n");
    write("ca.crt", kCa);
    write("namespace", "ambient-code");
    const auto config = load_in_cluster_config(
        env({{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}), dir_);
    EXPECT_EQ(config.server, "https://10.0.0.1:443");
    EXPECT_EQ(config.bearer_token(), "sa-token");
    EXPECT_EQ(config.ca_pem, kCa);
    EXPECT_EQ(config.namespace_, "ambient-code");
    EXPECT_EQ(
        load_in_cluster_config(env({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"}}), dir_)
            .server,
        "https://[fd00::1]:443");
}

TEST_F(KubeConfigFiles, ResolutionOrderIsFlagThenKubeconfigEnvThenInCluster) {
    const auto a = write("a",
                         "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, "
                         "cluster: {server: 'https://a:1'}}]\n");
    const auto b = write("b",
                         "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, "
                         "cluster: {server: 'https://b:1'}}]\n");
    write("token", "t");
    write("ca.crt", kCa);
    const auto cluster =
        std::map<std::string, std::string>{{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "6443"}};
    auto with_kubeconfig = cluster;
    with_kubeconfig["KUBECONFIG"] = b.string() + ":" + a.string();
    EXPECT_EQ(resolve_kube_config(a, env(with_kubeconfig), dir_).server, "https://a:1");
    EXPECT_EQ(resolve_kube_config({}, env(with_kubeconfig), dir_).server, "https://b:1");
    EXPECT_EQ(resolve_kube_config({}, env(cluster), dir_).server, "https://h:6443");
    EXPECT_NE(error_of([&] { resolve_kube_config({}, env({}), dir_); }).find("KUBERNETES_SERVICE_HOST"),
              std::string::npos);
}

}  // namespace
}  // namespace ambient::controlplane::kube
