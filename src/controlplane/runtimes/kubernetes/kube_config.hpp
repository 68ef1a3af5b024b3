#pragma once
// Where the Kubernetes API server is and how to prove who we are to it: from a kubeconfig
// file (its current context) or from inside a Pod (the service account's token and CA, and
// KUBERNETES_SERVICE_HOST/PORT). Files a kubeconfig names are read once, here, except the
// bearer token file, which is read on every use (a projected service-account token rotates).
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/client/http_client.hpp"

namespace ambient::controlplane::kube {

// The configuration is missing or unusable; what() names the file and the field.
class KubeConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct KubeConfig {
    std::string server;  // "https://host:port", no trailing '/'
    std::string ca_pem;  // the cluster's CA (empty: the system's store)
    bool insecure_skip_tls_verify = false;
    std::string token;                 // a static bearer token
    std::filesystem::path token_file;  // else a file holding one, read on every use
    std::string client_cert_pem;       // else (or as well) a client certificate
    std::string client_key_pem;
    std::string namespace_;  // the context's namespace, or the Pod's own in-cluster; may be empty

    // The token to send, "" when the user authenticates by certificate only. Throws
    // KubeConfigError when token_file cannot be read.
    std::string bearer_token() const;
    client::ClientOptions client_options() const;
};

inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

// Reads a kubeconfig; `context` empty: its current-context. Relative paths in it are relative
// to the file's directory, as kubectl takes them.
KubeConfig load_kubeconfig(const std::filesystem::path& file, const std::string& context = {});

using KubeGetenv = std::function<std::optional<std::string>(const char* name)>;

// The in-cluster configuration: KUBERNETES_SERVICE_HOST/PORT and `service_account_dir`'s
// token (read on every use), ca.crt and namespace.
KubeConfig load_in_cluster_config(const KubeGetenv& getenv,
                                  const std::filesystem::path& service_account_dir = kServiceAccountDir);

// --kubeconfig when given, else the first file of KUBECONFIG, else in-cluster.
KubeConfig resolve_kube_config(const std::filesystem::path& kubeconfig_flag, const KubeGetenv& getenv,
                               const std::filesystem::path& service_account_dir = kServiceAccountDir);

}  // namespace ambient::controlplane::kube
