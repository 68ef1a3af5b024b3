#pragma once
// A small Kubernetes REST client over the project's HTTP client (libcurl, OpenSSL): the
// cluster's CA, a bearer token read on every request (or a client certificate), JSON bodies.
// It knows only the kinds the runtime uses. Failures the API server answers are KubeApiError
// carrying its Status; a request that never completed is client::TransportError.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "common/client/http_client.hpp"
#include "controlplane/runtimes/kubernetes/kube_config.hpp"

namespace ambient::controlplane::kube {

// A kind: where its collection lives. Namespaced kinds take a namespace ("" = all of them,
// for list and watch).
struct ResourceKind {
    const char* api;  // "/api/v1" or "/apis/<group>/<version>"
    const char* plural;
    bool namespaced;
};

inline constexpr ResourceKind kNamespaces{"/api/v1", "namespaces", false};
inline constexpr ResourceKind kSecrets{"/api/v1", "secrets", true};
inline constexpr ResourceKind kServiceAccounts{"/api/v1", "serviceaccounts", true};
inline constexpr ResourceKind kPods{"/api/v1", "pods", true};
inline constexpr ResourceKind kServices{"/api/v1", "services", true};
inline constexpr ResourceKind kNetworkPolicies{"/apis/networking.k8s.io/v1", "networkpolicies", true};
inline constexpr ResourceKind kLeases{"/apis/coordination.k8s.io/v1", "leases", true};

// The API server refused: its Status (code, reason such as "NotFound", "AlreadyExists",
// "Conflict", "Gone", "Forbidden", message).
class KubeApiError : public std::runtime_error {
public:
    KubeApiError(int code, std::string reason, std::string message);
    int code() const { return code_; }
    const std::string& reason() const { return reason_; }
    const std::string& message() const { return message_; }

private:
    int code_;
    std::string reason_;
    std::string message_;
};

// One event of a watch: type ADDED, MODIFIED, DELETED (BOOKMARK and ERROR are handled inside).
struct KubeWatchEvent {
    std::string type;
    nlohmann::json object;
};

struct KubeWatchHandlers {
    // The whole collection, after the first list and after every re-list (a 410 Gone): the
    // receiver replaces what it knew.
    std::function<void(const nlohmann::json& items)> listed;
    std::function<void(const KubeWatchEvent& event)> event;
};

struct KubeClientOptions {
    std::chrono::milliseconds request_timeout{30000};
    int conflict_attempts = 5;  // read-modify-write rounds before a Conflict is given up
    std::chrono::milliseconds backoff_initial{200};
    std::chrono::milliseconds backoff_max{10000};
    // The server ends a watch after this long (timeoutSeconds); it is resumed at once.
    std::chrono::seconds watch_timeout{240};
    // Nothing at all (not even a BOOKMARK) for this long: the stream is dropped and resumed.
    std::chrono::milliseconds watch_idle_timeout{300000};
    // The longest watch event (one line) held while it arrives; a longer one drops the watch
    // and lists afresh. Kubernetes keeps objects under ~1.5 MiB.
    std::size_t max_watch_line = 8 * 1024 * 1024;
};

class KubeClient {
public:
    explicit KubeClient(KubeConfig config, KubeClientOptions options = {});

    nlohmann::json get(const ResourceKind& kind, const std::string& ns, const std::string& name) const;
    // nullopt for 404.
    std::optional<nlohmann::json> find(const ResourceKind& kind, const std::string& ns, const std::string& name) const;
    // The List object (items, metadata.resourceVersion); selector "" = everything.
    nlohmann::json list(const ResourceKind& kind, const std::string& ns, const std::string& label_selector = {}) const;
    nlohmann::json create(const ResourceKind& kind, const std::string& ns, const nlohmann::json& body) const;
    nlohmann::json replace(const ResourceKind& kind, const std::string& ns, const std::string& name,
                           const nlohmann::json& body) const;
    nlohmann::json merge_patch(const ResourceKind& kind, const std::string& ns, const std::string& name,
                               const nlohmann::json& patch) const;
    // Deletes (dependents in the background, by their ownerReferences). False when absent.
    bool remove(const ResourceKind& kind, const std::string& ns, const std::string& name) const;

    // Creates `body`, or returns the existing object of that name (AlreadyExists).
    nlohmann::json get_or_create(const ResourceKind& kind, const nlohmann::json& body) const;
    // Read, `mutate`, PUT with the read resourceVersion; a Conflict (someone wrote between)
    // starts over, up to conflict_attempts. Throws KubeApiError 404 when absent.
    nlohmann::json update(const ResourceKind& kind, const std::string& ns, const std::string& name,
                          const std::function<void(nlohmann::json&)>& mutate) const;

    // List, then watch from the list's resourceVersion until `stop`: a stream the server ends
    // or that breaks is resumed from the last resourceVersion seen (events and BOOKMARKs); a
    // 410 Gone (an HTTP answer or an ERROR event: that version was compacted) lists again.
    // Handlers run on the caller's thread. Failures are logged and retried with backoff;
    // returns only when `stop` is set.
    void watch(const ResourceKind& kind, const std::string& ns, const std::string& label_selector,
               const KubeWatchHandlers& handlers, const std::atomic<bool>& stop) const;

    const KubeConfig& config() const { return config_; }

private:
    std::string path(const ResourceKind& kind, const std::string& ns, const std::string& name = {}) const;
    client::HttpResponse send(std::string_view method, const std::string& path, const std::string& body = {},
                              const char* content_type = nullptr) const;
    client::Headers headers() const;
    // One watch connection from `resource_version`. Returns false when a re-list is needed.
    bool watch_once(const std::string& collection, const std::string& label_selector, std::string& resource_version,
                    const KubeWatchHandlers& handlers, const std::atomic<bool>& stop) const;

    KubeConfig config_;
    KubeClientOptions options_;
    client::HttpClient http_;
};

// Waits `delay` or until `stop`, in small steps; false when stopped.
bool wait_unless_stopped(std::chrono::milliseconds delay, const std::atomic<bool>& stop);

}  // namespace ambient::controlplane::kube
