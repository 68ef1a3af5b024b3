#include "controlplane/runtimes/kubernetes/kube_config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "common/crypto/base64.hpp"

namespace ambient::controlplane::kube {
namespace {

std::string read_file(const std::filesystem::path& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw KubeConfigError(what + ": cannot read " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string trim(std::string text) {
    const auto end = text.find_last_not_of(" \t\r\n");
    text.erase(end == std::string::npos ? 0 : end + 1);
    return text.substr(std::min(text.size(), text.find_first_not_of(" \t\r\n")));
}

// The entry named `name` of a kubeconfig list (clusters, users, contexts): {name, <key>: {…}}.
YAML::Node named_entry(const YAML::Node& root, const char* list, const char* key, const std::string& name,
                       const std::string& where) {
    const auto entries = root[list];
    if (entries && !entries.IsSequence()) throw KubeConfigError(where + ": '" + list + "' is not a list");
    if (entries) {
        for (const auto& entry : entries) {
            if (entry["name"] && entry["name"].as<std::string>() == name) {
                const auto body = entry[key];
                if (!body || !body.IsMap())
                    throw KubeConfigError(where + ": " + list + " '" + name + "' has no " + key);
                return body;
            }
        }
    }
    throw KubeConfigError(where + ": no entry '" + name + "' in " + list);
}

std::string scalar(const YAML::Node& node, const char* key) {
    const auto value = node[key];
    if (!value || value.IsNull()) return {};
    if (!value.IsScalar()) throw KubeConfigError(std::string("'") + key + "' is not a scalar");
    return value.as<std::string>();
}

// `<key>-data` (base64 PEM) or `<key>` (a file); "" when neither.
std::string pem_of(const YAML::Node& node, const std::string& key, const std::filesystem::path& base,
                   const std::string& where) {
    if (auto data = scalar(node, (key + "-data").c_str()); !data.empty()) {
        auto decoded = crypto::base64_decode(data);
        if (!decoded) throw KubeConfigError(where + ": " + key + "-data is not base64");
        return *decoded;
    }
    if (auto file = scalar(node, key.c_str()); !file.empty()) {
        const std::filesystem::path path(file);
        return read_file(path.is_absolute() ? path : base / path, where + ": " + key);
    }
    return {};
}

std::string https_origin(std::string host, const std::string& port) {
    if (host.find(':') != std::string::npos && !host.starts_with('[')) host = "[" + host + "]";
    return "https://" + host + ":" + port;
}

}  // namespace

std::string KubeConfig::bearer_token() const {
    if (!token.empty()) return token;
    if (token_file.empty()) return {};
    auto text = trim(read_file(token_file, "bearer token"));
    if (text.empty()) throw KubeConfigError("bearer token: " + token_file.string() + " is empty");
    return text;
}

client::ClientOptions KubeConfig::client_options() const {
    client::ClientOptions options;
    options.ca_pem = ca_pem;
    options.insecure_skip_verify = insecure_skip_tls_verify;
    options.client_cert_pem = client_cert_pem;
    options.client_key_pem = client_key_pem;
    return options;
}

KubeConfig load_kubeconfig(const std::filesystem::path& file, const std::string& context) {
    const auto where = file.string();
    YAML::Node root;
    try {
        root = YAML::Load(read_file(file, "kubeconfig"));
    } catch (const YAML::Exception& e) {
        throw KubeConfigError(where + ": not YAML: " + e.what());
    }
    if (!root.IsMap()) throw KubeConfigError(where + ": not a kubeconfig (no mapping at the top)");
    const auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    try {
        const auto context_name = context.empty() ? scalar(root, "current-context") : context;
        if (context_name.empty()) throw KubeConfigError(where + ": no current-context");
        const auto ctx = named_entry(root, "contexts", "context", context_name, where);
        const auto cluster_name = scalar(ctx, "cluster");
        const auto user_name = scalar(ctx, "user");
        if (cluster_name.empty()) throw KubeConfigError(where + ": context '" + context_name + "' names no cluster");

        KubeConfig config;
        config.namespace_ = scalar(ctx, "namespace");
        const auto cluster = named_entry(root, "clusters", "cluster", cluster_name, where);
        config.server = scalar(cluster, "server");
        while (config.server.ends_with('/'))
            config.server.pop_back();
        if (!(config.server.starts_with("https://") || config.server.starts_with("http://")))
            throw KubeConfigError(where + ": cluster '" + cluster_name + "' has no http(s) server");
        config.insecure_skip_tls_verify = scalar(cluster, "insecure-skip-tls-verify") == "true";
        config.ca_pem = pem_of(cluster, "certificate-authority", base, where);

        if (!user_name.empty()) {
            const auto user = named_entry(root, "users", "user", user_name, where);
            config.token = scalar(user, "token");
            if (auto token_file = scalar(user, "tokenFile"); !token_file.empty()) {
                const std::filesystem::path path(token_file);
                config.token_file = path.is_absolute() ? path : base / path;
            }
            config.client_cert_pem = pem_of(user, "client-certificate", base, where);
            config.client_key_pem = pem_of(user, "client-key", base, where);
            if (config.client_cert_pem.empty() != config.client_key_pem.empty())
                throw KubeConfigError(where + ": user '" + user_name + "' has a client certificate without its key");
            if (user["exec"] || user["auth-provider"])
                if (config.token.empty() && config.token_file.empty() && config.client_cert_pem.empty())
                    throw KubeConfigError(where + ": user '" + user_name +
                                          "' uses an exec or auth-provider plugin, which is not supported");
        }
        if (!config.token_file.empty()) config.bearer_token();  // unreadable: say so at start-up
        return config;
    } catch (const YAML::Exception& e) {
        throw KubeConfigError(where + ": " + e.what());
    }
}

KubeConfig load_in_cluster_config(const KubeGetenv& getenv, const std::filesystem::path& service_account_dir) {
    const auto host = getenv("KUBERNETES_SERVICE_HOST");
    const auto port = getenv("KUBERNETES_SERVICE_PORT");
    if (!host || host->empty() || !port || port->empty())
        throw KubeConfigError(
            "no Kubernetes configuration: neither --kubeconfig, KUBECONFIG nor KUBERNETES_SERVICE_HOST/PORT (in "
            "a Pod) is set");
    KubeConfig config;
    config.server = https_origin(*host, *port);
    config.token_file = service_account_dir / "token";
    config.bearer_token();
    config.ca_pem = read_file(service_account_dir / "ca.crt", "in-cluster CA");
    if (std::filesystem::exists(service_account_dir / "namespace"))
        config.namespace_ = trim(read_file(service_account_dir / "namespace", "in-cluster namespace"));
    return config;
}

KubeConfig resolve_kube_config(const std::filesystem::path& kubeconfig_flag, const KubeGetenv& getenv,
                               const std::filesystem::path& service_account_dir) {
    if (!kubeconfig_flag.empty()) return load_kubeconfig(kubeconfig_flag);
    if (auto env = getenv("KUBECONFIG"); env && !env->empty()) {
        // kubectl merges a ':'-separated list; we take its first file.
        return load_kubeconfig(env->substr(0, env->find(':')));
    }
    return load_in_cluster_config(getenv, service_account_dir);
}

}  // namespace ambient::controlplane::kube
