#include "controlplane/runtimes/kubernetes/kubernetes_runtime.hpp"

#include <utility>

#include <spdlog/spdlog.h>

#include "controlplane/runner_env.hpp"
#include "controlplane/runtimes/kubernetes/pod_status.hpp"

namespace ambient::controlplane::kube {
namespace {

using nlohmann::json;

std::string meta_text(const json& object, const char* name) {
    const auto meta = object.find("metadata");
    if (meta == object.end() || !meta->is_object()) return {};
    const auto it = meta->find(name);
    return it != meta->end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string label(const json& object, const char* name) {
    const auto meta = object.find("metadata");
    if (meta == object.end() || !meta->is_object() || !meta->contains("labels")) return {};
    const auto& labels = (*meta)["labels"];
    const auto it = labels.find(name);
    return it != labels.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool being_deleted(const json& object) {
    const auto meta = object.find("metadata");
    return meta != object.end() && meta->is_object() && meta->contains("deletionTimestamp") &&
           !(*meta)["deletionTimestamp"].is_null();
}

// The names of a session from one of its Pods (adopt(): the session object is not at hand).
std::optional<SessionNames> names_of_pod(const json& pod) {
    const auto name = meta_text(pod, "name");
    const std::string suffix = "-runner";
    if (!name.ends_with(suffix)) return std::nullopt;
    try {
        return session_names({{"id", label(pod, kLabelSessionId)},
                              {"project_id", label(pod, kLabelProjectId)},
                              {"kube_cr_name", name.substr(0, name.size() - suffix.size())}});
    } catch (const SessionSpecError&) {
        return std::nullopt;
    }
}

}  // namespace

KubernetesRuntime::KubernetesRuntime(const KubeClient& client, KubernetesRuntimeOptions options)
    : client_(client), options_(std::move(options)) {}

KubernetesRuntime::~KubernetesRuntime() {
    stopping_ = true;
    notify_changed_.notify_all();
    if (watcher_.joinable()) watcher_.join();
    if (notifier_.joinable()) notifier_.join();
}

std::string KubernetesRuntime::describe() const {
    return "kubernetes (" + client_.config().server + ", image " + options_.objects.runner_image + ")";
}

void KubernetesRuntime::stop_all() {
    for (const auto& id : runner_ids()) {
        try {
            stop(id);
        } catch (const std::exception& e) {
            spdlog::warn("session {}: stopping its runner Pod: {}", id, e.what());
        }
    }
}

void KubernetesRuntime::set_listener(Listener listener) {
    {
        std::lock_guard lock(mutex_);
        listener_ = std::move(listener);
    }
    // The watch starts with a list of its own: a runner that ended since adopt() is told.
    start_threads();
}

void KubernetesRuntime::start_threads() {
    std::call_once(started_, [this] {
        notifier_ = std::thread([this] {
            for (;;) {
                std::function<void()> call;
                {
                    std::unique_lock lock(notify_mutex_);
                    notify_changed_.wait(lock, [this] { return stopping_ || !notifications_.empty(); });
                    if (notifications_.empty()) return;  // stopping, all told
                    call = std::move(notifications_.front());
                    notifications_.pop_front();
                }
                try {
                    call();
                } catch (const std::exception& e) {
                    spdlog::error("kubernetes runtime: listener: {}", e.what());
                }
            }
        });
        watcher_ = std::thread([this] { watch_pods(); });
    });
}

void KubernetesRuntime::post(std::function<void()> call) {
    {
        std::lock_guard lock(notify_mutex_);
        notifications_.push_back(std::move(call));
    }
    notify_changed_.notify_one();
}

std::vector<std::string> KubernetesRuntime::adopt() {
    const auto pods = client_.list(kPods, "", managed_selector());
    std::vector<std::string> adopted;
    {
        std::lock_guard lock(mutex_);
        for (const auto& pod : pods.value("items", json::array())) {
            const auto names = names_of_pod(pod);
            if (!names) continue;
            known_[names->session_id] = *names;
            namespaces_.insert(names->namespace_);
            const auto state = classify_pod(pod);
            if (state.kind == PodState::Kind::Ended || state.terminating) continue;  // provision() replaces it
            runners_[names->session_id] = Runner{.names = *names,
                                                 .ready = state.kind == PodState::Kind::Ready,
                                                 .seen = true,
                                                 .pod_uid = meta_text(pod, "uid")};
            adopted.push_back(names->session_id);
        }
    }
    return adopted;
}

bool KubernetesRuntime::has_runner(const std::string& session_id) const {
    std::lock_guard lock(mutex_);
    return runners_.contains(session_id);
}

std::size_t KubernetesRuntime::live_runners() const {
    std::lock_guard lock(mutex_);
    return runners_.size();
}

std::vector<std::string> KubernetesRuntime::runner_ids() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    for (const auto& [id, runner] : runners_)
        ids.push_back(id);
    return ids;
}

void KubernetesRuntime::ensure_namespace(const std::string& project_id) {
    const auto name = namespace_for_project(project_id);
    {
        std::lock_guard lock(mutex_);
        if (namespaces_.contains(name)) return;
    }
    client_.get_or_create(kNamespaces, namespace_object(project_id));
    std::lock_guard lock(mutex_);
    namespaces_.insert(name);
}

json KubernetesRuntime::ensure_anchor(const SessionNames& names, const std::string& token) {
    // An existing anchor gets the new run's token: a re-started session never starts with the
    // last run's, already revoked, token.
    auto existing = client_.find(kSecrets, names.namespace_, names.secret);
    if (!existing) {
        try {
            return client_.create(kSecrets, names.namespace_, token_secret(names, token));
        } catch (const KubeApiError& e) {
            if (e.code() != 409) throw;
        }
        existing = client_.get(kSecrets, names.namespace_, names.secret);
    }
    if (being_deleted(*existing))
        throw std::runtime_error("the session's previous objects are still being deleted; trying again");
    return client_.merge_patch(kSecrets, names.namespace_, names.secret, token_patch(token));
}

void KubernetesRuntime::provision(const ProvisionRequest& request) {
    const auto names = session_names(request.session);
    pod_resources(options_.objects.resources, request.session);  // a bad override fails before any object
    start_threads();
    {
        std::lock_guard lock(mutex_);
        if (runners_.contains(names.session_id)) return;
    }
    ensure_namespace(names.project_id);
    const auto anchor = ensure_anchor(names, request.token);
    {
        std::lock_guard lock(mutex_);
        known_[names.session_id] = names;
    }
    client_.get_or_create(kServiceAccounts, service_account(names, anchor));
    client_.get_or_create(kServices, runner_service(names, anchor));
    client_.get_or_create(kNetworkPolicies, runner_network_policy(names, options_.objects, anchor));

    std::string replaced_uid;
    if (const auto existing = client_.find(kPods, names.namespace_, names.pod)) {
        const auto state = classify_pod(*existing);
        if (state.terminating)
            throw std::runtime_error("the session's previous runner Pod is still terminating; trying again");
        if (state.kind != PodState::Kind::Ended) {
            std::lock_guard lock(mutex_);
            runners_.try_emplace(names.session_id, Runner{.names = names,
                                                          .ready = state.kind == PodState::Kind::Ready,
                                                          .seen = true,
                                                          .pod_uid = meta_text(*existing, "uid")});
            return;
        }
        client_.remove(kPods, names.namespace_, names.pod);  // the last run's; a new one replaces it
        replaced_uid = meta_text(*existing, "uid");
    }
    // Recorded before the create, so that the watch's first event of the Pod finds it.
    {
        std::lock_guard lock(mutex_);
        Runner runner;
        runner.names = names;
        runner.replaced_uid = replaced_uid;
        runners_[names.session_id] = std::move(runner);
    }
    try {
        const auto pod = client_.create(kPods, names.namespace_, runner_pod(names, request, options_.objects, anchor));
        std::lock_guard lock(mutex_);
        // The create's answer says which Pod is this runner's, whatever the watch told first.
        if (auto it = runners_.find(names.session_id); it != runners_.end()) it->second.pod_uid = meta_text(pod, "uid");
    } catch (const KubeApiError& e) {
        std::lock_guard lock(mutex_);
        runners_.erase(names.session_id);
        if (e.code() == 409)
            throw std::runtime_error("the session's previous runner Pod is still being deleted; trying again");
        throw;
    } catch (...) {
        std::lock_guard lock(mutex_);
        runners_.erase(names.session_id);
        throw;
    }
}

std::optional<std::string> KubernetesRuntime::ready_url(const std::string& session_id) const {
    std::lock_guard lock(mutex_);
    const auto it = runners_.find(session_id);
    if (it == runners_.end() || !it->second.ready) return std::nullopt;
    return runner_url(it->second.names);
}

bool KubernetesRuntime::write_token(const std::string& session_id, const std::string& token) {
    SessionNames names;
    {
        std::lock_guard lock(mutex_);
        const auto it = runners_.find(session_id);
        if (it == runners_.end()) return false;
        names = it->second.names;
    }
    try {
        client_.merge_patch(kSecrets, names.namespace_, names.secret, token_patch(token));
    } catch (const KubeApiError& e) {
        if (e.code() == 404) return false;
        throw;
    }
    return true;
}

void KubernetesRuntime::stop(const std::string& session_id) {
    SessionNames names;
    {
        std::lock_guard lock(mutex_);
        const auto it = runners_.find(session_id);
        if (it == runners_.end()) return;
        it->second.requested = true;
        names = it->second.names;
    }
    // The exit comes through the watch (the Pod ends, then goes); a Pod already gone is told here.
    if (!client_.remove(kPods, names.namespace_, names.pod)) ended(session_id, -1, "runner Pod deleted", "");
}

void KubernetesRuntime::remove(const std::string& session_id) {
    std::optional<SessionNames> names;
    bool had_runner = false;
    {
        std::lock_guard lock(mutex_);
        if (auto it = runners_.find(session_id); it != runners_.end()) {
            it->second.requested = true;
            had_runner = true;
            names = it->second.names;
        } else if (auto k = known_.find(session_id); k != known_.end()) {
            names = k->second;
        }
    }
    if (names) {
        client_.remove(kSecrets, names->namespace_, names->secret);  // the rest follows by ownerReference
        if (had_runner && !client_.remove(kPods, names->namespace_, names->pod))
            ended(session_id, -1, "runner Pod deleted", "");
    } else {
        // Not seen by this control plane (the session went while it was down): found by label.
        const auto selector =
            std::string(kLabelSessionId) + "=" + session_id + "," + kLabelManagedBy + "=" + kManagedBy;
        for (const auto& secret : client_.list(kSecrets, "", selector).value("items", json::array()))
            client_.remove(kSecrets, meta_text(secret, "namespace"), meta_text(secret, "name"));
    }
    std::lock_guard lock(mutex_);
    known_.erase(session_id);
}

void KubernetesRuntime::ended(const std::string& id, int exit_code, const std::string& reason,
                              const std::string& message) {
    RunnerExit exit{.exit_code = exit_code, .reason = reason, .last_log_lines = message};
    {
        std::lock_guard lock(mutex_);
        const auto it = runners_.find(id);
        if (it == runners_.end()) return;  // told already
        exit.requested = it->second.requested;
        runners_.erase(it);
    }
    post([this, id, exit] {
        Listener listener;
        {
            std::lock_guard lock(mutex_);
            listener = listener_;
        }
        if (listener.exited) listener.exited(id, exit);
    });
}

void KubernetesRuntime::watch_pods() {
    client_.watch(kPods, "", managed_selector(),
                  {.listed = [this](const json& pods) { on_listed(pods); },
                   .event = [this](const KubeWatchEvent& e) { on_pod(e.type, e.object); }},
                  stopping_);
}

void KubernetesRuntime::on_listed(const json& pods) {
    std::set<std::string> present;
    for (const auto& pod : pods) {
        present.insert(meta_text(pod, "uid"));
        on_pod("MODIFIED", pod);
    }
    // A Pod seen before and not listed now went while the watch was away (a 410 re-list).
    std::vector<std::string> gone;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, runner] : runners_)
            if (runner.seen && !present.contains(runner.pod_uid)) gone.push_back(id);
    }
    for (const auto& id : gone)
        ended(id, -1, "runner Pod deleted", "");
}

void KubernetesRuntime::on_pod(const std::string& type, const json& pod) {
    const auto id = label(pod, kLabelSessionId);
    const auto uid = meta_text(pod, "uid");
    {
        std::lock_guard lock(mutex_);
        const auto it = runners_.find(id);
        if (it == runners_.end()) return;
        auto& runner = it->second;
        if (uid == runner.replaced_uid) return;
        // Before the create answered, a DELETED can only be of an earlier Pod of the session
        // (one gone from the API server but not yet from this watch).
        if (runner.pod_uid.empty() && type == "DELETED") return;
        if (runner.pod_uid.empty()) runner.pod_uid = uid;
        if (runner.pod_uid != uid) return;  // an earlier Pod of the session
        runner.seen = true;
    }
    if (type == "DELETED") {
        ended(id, -1, "runner Pod deleted", "");
        return;
    }
    const auto state = classify_pod(pod);
    if (state.kind == PodState::Kind::Ended) {
        ended(id, state.exit_code, state.reason, state.message);
        if (state.stuck) {
            // Its image will not come: nothing will end this Pod but a delete.
            try {
                client_.remove(kPods, meta_text(pod, "namespace"), meta_text(pod, "name"));
            } catch (const std::exception& e) {
                spdlog::warn("session {}: deleting its stuck runner Pod: {}", id, e.what());
            }
        }
        return;
    }
    bool became_ready = false;
    {
        std::lock_guard lock(mutex_);
        const auto it = runners_.find(id);
        if (it == runners_.end()) return;
        const bool ready = state.kind == PodState::Kind::Ready;
        became_ready = ready && !it->second.ready;
        it->second.ready = ready;
    }
    if (became_ready) {
        post([this, id] {
            Listener listener;
            {
                std::lock_guard lock(mutex_);
                listener = listener_;
            }
            if (listener.ready) listener.ready(id);
        });
    }
}

}  // namespace ambient::controlplane::kube
