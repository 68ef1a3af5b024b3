#include "controlplane/runtimes/kubernetes/kube_client.hpp"

#include <random>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "controlplane/watch_client.hpp"

namespace ambient::controlplane::kube {
namespace {

using nlohmann::json;

client::ClientOptions http_options(const KubeConfig& config, const KubeClientOptions& options) {
    auto http = config.client_options();
    http.request_timeout = options.request_timeout;
    return http;
}

// The Status the API server answered with, or one made from the HTTP status.
KubeApiError error_of(const client::HttpResponse& response) {
    const auto status = json::parse(response.body, nullptr, false);
    if (status.is_object() && status.value("kind", "") == "Status") {
        return KubeApiError(status.value("code", response.status), status.value("reason", ""),
                            status.value("message", ""));
    }
    return KubeApiError(response.status, "", response.body.substr(0, 200));
}

json parsed(const client::HttpResponse& response) {
    if (response.status < 200 || response.status >= 300) throw error_of(response);
    auto body = json::parse(response.body, nullptr, false);
    if (body.is_discarded()) throw KubeApiError(response.status, "Malformed", "the answer is not JSON");
    return body;
}

double unit_random() {
    thread_local std::mt19937 generator{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

std::string resource_version_of(const json& object) {
    const auto meta = object.find("metadata");
    if (meta == object.end() || !meta->is_object()) return {};
    const auto rv = meta->find("resourceVersion");
    return rv != meta->end() && rv->is_string() ? rv->get<std::string>() : std::string();
}

}  // namespace

KubeApiError::KubeApiError(int code, std::string reason, std::string message)
    : std::runtime_error("kubernetes: " + std::to_string(code) + (reason.empty() ? "" : " " + reason) +
                         (message.empty() ? "" : ": " + message)),
      code_(code),
      reason_(std::move(reason)),
      message_(std::move(message)) {}

bool wait_unless_stopped(std::chrono::milliseconds delay, const std::atomic<bool>& stop) {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (!stop.load()) {
        const auto left = until - std::chrono::steady_clock::now();
        if (left <= std::chrono::milliseconds(0)) return true;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
    }
    return false;
}

KubeClient::KubeClient(KubeConfig config, KubeClientOptions options)
    : config_(std::move(config)), options_(options), http_(config_.server, http_options(config_, options_)) {}

std::string KubeClient::path(const ResourceKind& kind, const std::string& ns, const std::string& name) const {
    std::string out = kind.api;
    if (kind.namespaced && !ns.empty()) out += "/namespaces/" + client::url_encode(ns);
    out += std::string("/") + kind.plural;
    if (!name.empty()) out += "/" + client::url_encode(name);
    return out;
}

client::Headers KubeClient::headers() const {
    client::Headers h{{"Accept", "application/json"}};
    if (auto token = config_.bearer_token(); !token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return h;
}

client::HttpResponse KubeClient::send(std::string_view method, const std::string& path, const std::string& body,
                                      const char* content_type) const {
    auto h = headers();
    if (!body.empty()) h.emplace_back("Content-Type", content_type ? content_type : "application/json");
    return http_.request(method, path, body, h);
}

json KubeClient::get(const ResourceKind& kind, const std::string& ns, const std::string& name) const {
    return parsed(send("GET", path(kind, ns, name)));
}

std::optional<json> KubeClient::find(const ResourceKind& kind, const std::string& ns, const std::string& name) const {
    const auto response = send("GET", path(kind, ns, name));
    if (response.status == 404) return std::nullopt;
    return parsed(response);
}

json KubeClient::list(const ResourceKind& kind, const std::string& ns, const std::string& label_selector) const {
    auto p = path(kind, ns);
    if (!label_selector.empty()) p += "?labelSelector=" + client::url_encode(label_selector);
    return parsed(send("GET", p));
}

json KubeClient::create(const ResourceKind& kind, const std::string& ns, const json& body) const {
    return parsed(send("POST", path(kind, ns), body.dump()));
}

json KubeClient::replace(const ResourceKind& kind, const std::string& ns, const std::string& name,
                         const json& body) const {
    return parsed(send("PUT", path(kind, ns, name), body.dump()));
}

json KubeClient::merge_patch(const ResourceKind& kind, const std::string& ns, const std::string& name,
                             const json& patch) const {
    return parsed(send("PATCH", path(kind, ns, name), patch.dump(), "application/merge-patch+json"));
}

bool KubeClient::remove(const ResourceKind& kind, const std::string& ns, const std::string& name) const {
    const json options{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
    const auto response = send("DELETE", path(kind, ns, name), options.dump());
    if (response.status == 404) return false;
    parsed(response);
    return true;
}

json KubeClient::get_or_create(const ResourceKind& kind, const json& body) const {
    const auto& meta = body.at("metadata");
    const auto ns = meta.value("namespace", "");
    const auto name = meta.at("name").get<std::string>();
    const auto response = send("POST", path(kind, ns), body.dump());
    if (response.status == 409) {
        // AlreadyExists; it may be deleted again before we read it: then create once more.
        if (auto existing = find(kind, ns, name)) return *existing;
        return create(kind, ns, body);
    }
    return parsed(response);
}

json KubeClient::update(const ResourceKind& kind, const std::string& ns, const std::string& name,
                        const std::function<void(json&)>& mutate) const {
    for (int attempt = 0;; ++attempt) {
        auto object = get(kind, ns, name);
        mutate(object);  // keeps metadata.resourceVersion: the PUT is refused if it changed
        const auto response = send("PUT", path(kind, ns, name), object.dump());
        if (response.status != 409 || attempt + 1 >= options_.conflict_attempts) return parsed(response);
        spdlog::debug("kubernetes: {} {}/{} changed while we updated it; again", kind.plural, ns, name);
        std::this_thread::sleep_for(
            backoff_delay(attempt, std::chrono::milliseconds(20), options_.backoff_initial, unit_random()));
    }
}

void KubeClient::watch(const ResourceKind& kind, const std::string& ns, const std::string& label_selector,
                       const KubeWatchHandlers& handlers, const std::atomic<bool>& stop) const {
    const auto collection = path(kind, ns);
    std::string resource_version;  // "" = list first
    int failures = 0;
    while (!stop.load()) {
        try {
            if (resource_version.empty()) {
                const auto listed = list(kind, ns, label_selector);
                resource_version = resource_version_of(listed);
                handlers.listed(listed.value("items", json::array()));
            }
            if (!watch_once(collection, label_selector, resource_version, handlers, stop)) resource_version.clear();
            failures = 0;
            continue;
        } catch (const KubeApiError& e) {
            spdlog::warn("kubernetes: watch {}: {}", kind.plural, e.what());
        } catch (const client::TransportError& e) {
            spdlog::warn("kubernetes: watch {}: {}", kind.plural, e.what());
        } catch (const std::exception& e) {
            spdlog::error("kubernetes: watch {}: {}", kind.plural, e.what());
        }
        wait_unless_stopped(backoff_delay(failures++, options_.backoff_initial, options_.backoff_max, unit_random()),
                            stop);
    }
}

bool KubeClient::watch_once(const std::string& collection, const std::string& label_selector,
                            std::string& resource_version, const KubeWatchHandlers& handlers,
                            const std::atomic<bool>& stop) const {
    auto p = collection +
             "?watch=true&allowWatchBookmarks=true&resourceVersion=" + client::url_encode(resource_version) +
             "&timeoutSeconds=" + std::to_string(options_.watch_timeout.count());
    if (!label_selector.empty()) p += "&labelSelector=" + client::url_encode(label_selector);

    // The callbacks run inside libcurl: they record a failure and stop, never throw.
    std::string pending;  // a line not yet complete
    bool gone = false;
    bool too_long = false;  // an event past max_watch_line: listed afresh instead
    std::optional<KubeApiError> failure;
    const auto on_line = [&](std::string_view line) {
        if (line.empty()) return true;
        const auto event = json::parse(line, nullptr, false);
        if (!event.is_object() || !event.contains("type") || !event["type"].is_string() || !event.contains("object") ||
            !event["object"].is_object()) {
            failure.emplace(0, "Malformed", "a watch line that is not an event");
            return false;
        }
        const auto type = event["type"].get<std::string>();
        const auto& object = event["object"];
        if (type == "ERROR") {
            const auto code = object.value("code", 0);
            if (code == 410) {
                gone = true;
            } else {
                failure.emplace(code, object.value("reason", ""), object.value("message", ""));
            }
            return false;
        }
        if (type != "BOOKMARK") {
            try {
                handlers.event({type, object});
            } catch (const std::exception& e) {
                failure.emplace(0, "HandlerFailed", e.what());
                return false;  // resumed from before this event: it comes again
            }
        }
        if (auto rv = resource_version_of(object); !rv.empty()) resource_version = rv;
        return true;
    };
    const auto response = http_.stream(
        p, headers(),
        [&](std::string_view data) {
            pending.append(data);
            std::size_t start = 0;
            for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
                if (!on_line(std::string_view(pending).substr(start, nl - start))) return false;
                start = nl + 1;
            }
            pending.erase(0, start);
            if (pending.size() > options_.max_watch_line) {
                too_long = true;
                return false;
            }
            return true;
        },
        &stop, options_.watch_idle_timeout);
    if (failure) throw *failure;
    if (too_long) {
        spdlog::warn("kubernetes: a watch event longer than {} bytes; listing afresh", options_.max_watch_line);
        return false;
    }
    if (gone || response.status == 410) return false;
    if (response.status < 200 || response.status >= 300) throw error_of(response);
    return true;
}

}  // namespace ambient::controlplane::kube
