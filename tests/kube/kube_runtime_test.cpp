// The kubernetes runtime and its REST client against the fake Kubernetes API server
// (tests/support/fake-kube-apiserver, a test double that validates every body against the
// official schemas). Skipped when node or the fake's npm packages are missing.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/crypto/base64.hpp"
#include "controlplane/reconciler.hpp"
#include "controlplane/runtimes/kubernetes/kube_client.hpp"
#include "controlplane/runtimes/kubernetes/kube_objects.hpp"
#include "controlplane/runtimes/kubernetes/kubernetes_runtime.hpp"
#include "support/fake_kube_apiserver.hpp"
#include "support/server_process.hpp"
#include "support/test_ca.hpp"

namespace ambient::controlplane::kube {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kToken = "kube-test-token";

json session(const std::string& id, const std::string& project = "team-a") {
    std::string lower;
    for (char c : id)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return {{"id", id},
            {"project_id", project},
            {"name", "session " + id},
            {"kube_cr_name", "session-" + lower},
            {"phase", "Pending"},
            {"environment_variables", R"({"RUNNER_TYPE":"echo"})"}};
}

// What the runtime told its listener, waited for with a deadline (no sleeps).
class Told {
public:
    Runtime::Listener listener() {
        return {.ready =
                    [this](const std::string& id) {
                        std::lock_guard lock(mutex_);
                        ready_.insert(id);
                        changed_.notify_all();
                    },
                .exited =
                    [this](const std::string& id, const RunnerExit& exit) {
                        std::lock_guard lock(mutex_);
                        exits_[id] = exit;
                        changed_.notify_all();
                    }};
    }
    bool ready(const std::string& id) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 10s, [&] { return ready_.contains(id); });
    }
    std::optional<RunnerExit> exited(const std::string& id) {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, 10s, [&] { return exits_.contains(id); })) return std::nullopt;
        return exits_[id];
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::set<std::string> ready_;
    std::map<std::string, RunnerExit> exits_;
};

class KubeRuntime : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = testing::FakeKubeApiServer::unavailable(AMBIENT_FAKE_KUBE_DIR)) GTEST_SKIP() << *why;
        fake_ = std::make_unique<testing::FakeKubeApiServer>(AMBIENT_FAKE_KUBE_DIR, std::vector<std::string>{kToken});
        config_.server = fake_->url();
        config_.token = kToken;
        client_ = std::make_unique<KubeClient>(
            config_, KubeClientOptions{.backoff_initial = 20ms, .backoff_max = 200ms, .watch_timeout = 60s});
        options_.objects.runner_image = "registry.example/ambient-runner:1";
        options_.objects.backend_api_url = "http://ambient-api-server.ambient-code.svc:8000";
    }
    void TearDown() override {
        runtime_.reset();
        client_.reset();
        fake_.reset();
    }

    KubernetesRuntime& start_runtime() {
        runtime_ = std::make_unique<KubernetesRuntime>(*client_, options_);
        runtime_->adopt();
        runtime_->set_listener(told_.listener());
        return *runtime_;
    }

    json objects(const std::string& kind, const std::string& ns = "team-a") const { return fake_->objects(kind, ns); }
    std::set<std::string> names(const std::string& kind, const std::string& ns = "team-a") const {
        std::set<std::string> out;
        for (const auto& o : objects(kind, ns))
            out.insert(o["metadata"]["name"].get<std::string>());
        return out;
    }
    void set_pod(const json& s, const json& status) const {
        const auto n = session_names(s);
        fake_->set_pod_status(n.namespace_, n.pod, status);
    }
    static json ready_status() {
        return {{"phase", "Running"},
                {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
                {"containerStatuses", json::array({{{"name", "runner"},
                                                    {"ready", true},
                                                    {"restartCount", 0},
                                                    {"image", "registry.example/ambient-runner:1"},
                                                    {"imageID", ""},
                                                    {"state", {{"running", json::object()}}}}})}};
    }
    static json terminated_status(const std::string& phase, int code, const std::string& reason) {
        return {{"phase", phase},
                {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})},
                {"containerStatuses",
                 json::array({{{"name", "runner"},
                               {"ready", false},
                               {"restartCount", 0},
                               {"image", "registry.example/ambient-runner:1"},
                               {"imageID", ""},
                               {"state", {{"terminated", {{"exitCode", code}, {"reason", reason}}}}}}})}};
    }
    static json waiting_status(const std::string& reason) {
        return {{"phase", "Pending"},
                {"containerStatuses", json::array({{{"name", "runner"},
                                                    {"ready", false},
                                                    {"restartCount", 0},
                                                    {"image", "registry.example/ambient-runner:1"},
                                                    {"imageID", ""},
                                                    {"state", {{"waiting", {{"reason", reason}}}}}}})}};
    }
    // GETs of the Pod collection that were lists, not watches.
    std::size_t pod_lists() const {
        return requests([](const json& r) {
                   return r["method"] == "GET" && r["path"] == "/api/v1/pods" &&
                          r["query"].value("watch", "") != "true";
               })
            .size();
    }
    // Whether a Pod watch resumed from `resource_version` within a deadline (the fake's
    // request log is read again every 20 ms).
    bool wait_for_watch_from(const std::string& resource_version) const {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (!requests([&](const json& r) {
                     return r["path"] == "/api/v1/pods" && r["query"].value("watch", "") == "true" &&
                            r["query"].value("resourceVersion", "") == resource_version;
                 }).empty())
                return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
    // The requests the fake received, filtered.
    std::vector<json> requests(const std::function<bool(const json&)>& keep) const {
        std::vector<json> out;
        for (const auto& r : fake_->control("GET", "/__fake/requests"))
            if (keep(r)) out.push_back(r);
        return out;
    }

    std::unique_ptr<testing::FakeKubeApiServer> fake_;
    KubeConfig config_;
    std::unique_ptr<KubeClient> client_;
    KubernetesRuntimeOptions options_;
    std::unique_ptr<KubernetesRuntime> runtime_;
    Told told_;
};

TEST_F(KubeRuntime, ProvisionCreatesExactlyTheSessionsObjects) {
    auto& runtime = start_runtime();
    const auto s = session("2ZkQ9xAbCdEfGhIjKlMnOpQrStU");
    runtime.provision({s, R"({"github":"c1"})", "first-token"});
    EXPECT_TRUE(runtime.has_runner("2ZkQ9xAbCdEfGhIjKlMnOpQrStU"));
    EXPECT_FALSE(runtime.ready_url("2ZkQ9xAbCdEfGhIjKlMnOpQrStU"));

    const auto namespaces = fake_->objects("Namespace");
    ASSERT_EQ(namespaces.size(), 1u);
    EXPECT_EQ(namespaces[0]["metadata"]["labels"]["ambient-code.io/project-id"], "team-a");

    const std::string base = "session-2zkq9xabcdefghijklmnopqrstu";
    EXPECT_EQ(names("Secret"), std::set<std::string>{base + "-token"});
    EXPECT_EQ(names("ServiceAccount"), std::set<std::string>{base + "-sa"});
    EXPECT_EQ(names("Pod"), std::set<std::string>{base + "-runner"});
    EXPECT_EQ(names("Service"), std::set<std::string>{base});
    EXPECT_EQ(names("NetworkPolicy"), std::set<std::string>{base + "-agui"});

    const auto secret = objects("Secret")[0];
    EXPECT_EQ(crypto::base64_decode(secret["data"]["bot-token"].get<std::string>()), "first-token");
    const auto uid = secret["metadata"]["uid"];
    for (const char* kind : {"ServiceAccount", "Pod", "Service", "NetworkPolicy"}) {
        const auto object = objects(kind)[0];
        ASSERT_EQ(object["metadata"]["ownerReferences"].size(), 1u) << kind;
        EXPECT_EQ(object["metadata"]["ownerReferences"][0]["uid"], uid) << kind;
        EXPECT_EQ(object["metadata"]["labels"]["ambient-code.io/session-id"], "2ZkQ9xAbCdEfGhIjKlMnOpQrStU") << kind;
    }
    const auto pod = objects("Pod")[0];
    EXPECT_EQ(pod["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"], true);

    // Provisioning again keeps what exists: no second Pod, nothing recreated.
    runtime.provision({s, "", "second-token"});
    EXPECT_EQ(objects("Pod").size(), 1u);
    EXPECT_EQ(objects("Pod")[0]["metadata"]["uid"], pod["metadata"]["uid"]);
}

TEST_F(KubeRuntime, ReadyPodGivesTheServicesClusterUrl) {
    auto& runtime = start_runtime();
    const auto s = session("2ZkQ9xAbCdEfGhIjKlMnOpQrSt1");
    runtime.provision({s, "", "t"});
    set_pod(s, ready_status());
    ASSERT_TRUE(told_.ready("2ZkQ9xAbCdEfGhIjKlMnOpQrSt1"));
    EXPECT_EQ(runtime.ready_url("2ZkQ9xAbCdEfGhIjKlMnOpQrSt1"),
              "http://session-2zkq9xabcdefghijklmnopqrst1.team-a.svc:8001");
}

// Issue 17's table, through the runtime: each Pod outcome → the exit the reconciler turns
// into Completed (exit code 0) or Failed with the reason.
TEST_F(KubeRuntime, PodOutcomesAreToldAsExits) {
    struct Row {
        const char* id;
        json status;
        int exit_code;
        const char* reason;
        bool pod_deleted;
    };
    const Row rows[] = {
        {"2ZkQ9xAbCdEfGhIjKlMnOpQrSu1", terminated_status("Succeeded", 0, "Completed"), 0, "Succeeded", false},
        {"2ZkQ9xAbCdEfGhIjKlMnOpQrSu2", terminated_status("Failed", 2, "Error"), 2, "Error", false},
        {"2ZkQ9xAbCdEfGhIjKlMnOpQrSu3", terminated_status("Failed", 137, "OOMKilled"), 137, "OOMKilled", false},
        {"2ZkQ9xAbCdEfGhIjKlMnOpQrSu4", waiting_status("ImagePullBackOff"), 1, "ImagePullBackOff", true},
        {"2ZkQ9xAbCdEfGhIjKlMnOpQrSu5", waiting_status("ErrImagePull"), 1, "ErrImagePull", true},
        {"2ZkQ9xAbCdEfGhIjKlMnOpQrSu6", waiting_status("CrashLoopBackOff"), 1, "CrashLoopBackOff", true},
    };
    auto& runtime = start_runtime();
    for (const auto& row : rows)
        runtime.provision({session(row.id), "", "t"});
    for (const auto& row : rows) {
        set_pod(session(row.id), row.status);
        const auto exit = told_.exited(row.id);
        ASSERT_TRUE(exit) << row.reason;
        EXPECT_EQ(exit->exit_code, row.exit_code) << row.reason;
        EXPECT_EQ(exit->reason, row.reason);
        EXPECT_FALSE(exit->requested);
        EXPECT_FALSE(runtime.has_runner(row.id));
    }
    // Ended Pods stay for their logs, except those stuck waiting for an image or a restart.
    for (const auto& row : rows) {
        const auto pod = session_names(session(row.id)).pod;
        if (row.pod_deleted) continue;
        EXPECT_TRUE(names("Pod").contains(pod)) << row.reason;
    }
}

TEST_F(KubeRuntime, SessionPhasesFollowThePod) {
    // The reconciler with the real runtime: Pending → Creating (provisioned) → Running with
    // the Service URL (Ready) → Completed (Succeeded).
    std::vector<json> writes;
    auto stored = session("2ZkQ9xAbCdEfGhIjKlMnOpQrSv1");  // the API server's copy
    Reconciler reconciler(start_runtime(), {.patch_status =
                                                [&](const std::string&, const json& fields) {
                                                    writes.push_back(fields);
                                                    stored.update(fields);
                                                    return stored;
                                                },
                                            .credential_ids = [](const std::string&) { return std::string(); },
                                            .mint_token = [](const std::string&) { return std::string("minted"); }});
    std::mutex mutex;
    std::condition_variable changed;
    runtime_->set_listener({.ready =
                                [&](const std::string& id) {
                                    std::lock_guard lock(mutex);
                                    reconciler.notify_ready(id);
                                    changed.notify_all();
                                },
                            .exited =
                                [&](const std::string& id, const RunnerExit& exit) {
                                    std::lock_guard lock(mutex);
                                    reconciler.notify_exited(id, exit);
                                    changed.notify_all();
                                }});
    const auto s = session("2ZkQ9xAbCdEfGhIjKlMnOpQrSv1");
    // Steps the reconciler whenever the runtime told it something, until `done`.
    const auto step_until = [&](const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        std::unique_lock lock(mutex);
        while (std::chrono::steady_clock::now() < deadline) {
            while (reconciler.step(std::chrono::steady_clock::now())) {
            }
            if (done()) return true;
            changed.wait_for(lock, 100ms);  // woken by the listener; the timeout covers backoff
        }
        return false;
    };
    const auto last_phase = [&] { return writes.empty() ? std::string() : writes.back().value("phase", ""); };
    {
        std::lock_guard lock(mutex);
        reconciler.observe({Resource::Sessions, WatchEventType::Added, s["id"], s, 1, {}});
    }
    ASSERT_TRUE(step_until([&] { return last_phase() == "Creating"; }));
    set_pod(s, ready_status());
    ASSERT_TRUE(step_until([&] { return last_phase() == "Running"; }));
    EXPECT_EQ(writes.back()["runner_url"], "http://session-2zkq9xabcdefghijklmnopqrsv1.team-a.svc:8001");
    set_pod(s, terminated_status("Succeeded", 0, "Completed"));
    ASSERT_TRUE(step_until([&] { return last_phase() == "Completed"; }));
}

TEST_F(KubeRuntime, StopDeletesThePodOnly) {
    auto& runtime = start_runtime();
    const auto s = session("2ZkQ9xAbCdEfGhIjKlMnOpQrSw1");
    runtime.provision({s, "", "t"});
    runtime.stop("2ZkQ9xAbCdEfGhIjKlMnOpQrSw1");
    const auto exit = told_.exited("2ZkQ9xAbCdEfGhIjKlMnOpQrSw1");
    ASSERT_TRUE(exit);
    EXPECT_TRUE(exit->requested);
    EXPECT_FALSE(runtime.has_runner("2ZkQ9xAbCdEfGhIjKlMnOpQrSw1"));
    EXPECT_TRUE(names("Pod").empty());
    EXPECT_EQ(names("Secret").size(), 1u);
    EXPECT_EQ(names("Service").size(), 1u);
    EXPECT_EQ(fake_->objects("Namespace").size(), 1u);

    // Started again: a new Pod, the Secret holding the new run's token.
    runtime.provision({s, "", "second-run"});
    EXPECT_EQ(names("Pod").size(), 1u);
    EXPECT_EQ(crypto::base64_decode(objects("Secret")[0]["data"]["bot-token"].get<std::string>()), "second-run");
}

TEST_F(KubeRuntime, RemoveDeletesOnlyThatSessionsObjectsNeverTheNamespace) {
    auto& runtime = start_runtime();
    const auto gone = session("2ZkQ9xAbCdEfGhIjKlMnOpQrSx1");
    const auto kept = session("2ZkQ9xAbCdEfGhIjKlMnOpQrSx2");
    runtime.provision({gone, "", "t"});
    runtime.provision({kept, "", "t"});
    runtime.remove("2ZkQ9xAbCdEfGhIjKlMnOpQrSx1");
    ASSERT_TRUE(told_.exited("2ZkQ9xAbCdEfGhIjKlMnOpQrSx1"));
    const auto kept_names = session_names(kept);
    EXPECT_EQ(names("Secret"), std::set<std::string>{kept_names.secret});
    EXPECT_EQ(names("ServiceAccount"), std::set<std::string>{kept_names.service_account});
    EXPECT_EQ(names("Pod"), std::set<std::string>{kept_names.pod});
    EXPECT_EQ(names("Service"), std::set<std::string>{kept_names.service});
    EXPECT_EQ(names("NetworkPolicy"), std::set<std::string>{kept_names.network_policy});
    EXPECT_EQ(fake_->objects("Namespace").size(), 1u);
    EXPECT_TRUE(runtime.has_runner("2ZkQ9xAbCdEfGhIjKlMnOpQrSx2"));

    // A session this control plane never saw (deleted while it was down) is found by label.
    KubernetesRuntime other(*client_, options_);
    other.remove("2ZkQ9xAbCdEfGhIjKlMnOpQrSx2");
    EXPECT_TRUE(names("Secret").empty());
    EXPECT_EQ(fake_->objects("Namespace").size(), 1u);
}

TEST_F(KubeRuntime, WriteTokenRewritesTheSecret) {
    auto& runtime = start_runtime();
    runtime.provision({session("2ZkQ9xAbCdEfGhIjKlMnOpQrSy1"), "", "first"});
    EXPECT_TRUE(runtime.write_token("2ZkQ9xAbCdEfGhIjKlMnOpQrSy1", "refreshed"));
    EXPECT_EQ(crypto::base64_decode(objects("Secret")[0]["data"]["bot-token"].get<std::string>()), "refreshed");
    EXPECT_FALSE(runtime.write_token("2ZkQ9xAbCdEfGhIjKlMnOpQrSy9", "x"));  // no runner
}

TEST_F(KubeRuntime, WatchResumesFromTheLastVersionAndBookmark) {
    auto& runtime = start_runtime();
    const auto a = session("2ZkQ9xAbCdEfGhIjKlMnOpQrSz1");
    runtime.provision({a, "", "t"});
    const auto lists_before = pod_lists();

    fake_->control("POST", "/__fake/close-watches");
    set_pod(a, ready_status());
    ASSERT_TRUE(told_.ready("2ZkQ9xAbCdEfGhIjKlMnOpQrSz1"));  // resumed, not listed again
    EXPECT_EQ(pod_lists(), lists_before);

    // A BOOKMARK moves the resume point past changes of other kinds (here the Secret).
    runtime.write_token("2ZkQ9xAbCdEfGhIjKlMnOpQrSz1", "t2");
    const auto now = client_->list(kSecrets, "team-a")["metadata"]["resourceVersion"].get<std::string>();
    fake_->control("POST", "/__fake/bookmark");
    fake_->control("POST", "/__fake/close-watches");
    EXPECT_TRUE(wait_for_watch_from(now));
    EXPECT_EQ(pod_lists(), lists_before);
}

TEST_F(KubeRuntime, WatchListsAgainWhenItsVersionWasCompacted) {
    auto& runtime = start_runtime();
    const auto a = session("2ZkQ9xAbCdEfGhIjKlMnOpQrSz2");
    runtime.provision({a, "", "t"});
    const auto lists_before = pod_lists();
    runtime.write_token("2ZkQ9xAbCdEfGhIjKlMnOpQrSz2", "t2");  // newer than the watch's version
    fake_->control("POST", "/__fake/compact");
    fake_->control("POST", "/__fake/close-watches");  // resumed from before the horizon: ERROR 410
    set_pod(a, terminated_status("Failed", 1, "Error"));
    const auto exit = told_.exited("2ZkQ9xAbCdEfGhIjKlMnOpQrSz2");
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->reason, "Error");
    EXPECT_GT(pod_lists(), lists_before);
}

TEST_F(KubeRuntime, WatchListsAgainAfterAnHttp410) {
    auto& runtime = start_runtime();
    const auto a = session("2ZkQ9xAbCdEfGhIjKlMnOpQrSz3");
    runtime.provision({a, "", "t"});
    const auto lists_before = pod_lists();
    fake_->control("POST", "/__fake/fail", {{"method", "GET"}, {"path", "^/api/v1/pods$"}, {"status", 410}});
    fake_->control("POST", "/__fake/close-watches");  // the resumed watch is refused with 410 Gone
    set_pod(a, ready_status());
    ASSERT_TRUE(told_.ready("2ZkQ9xAbCdEfGhIjKlMnOpQrSz3"));
    EXPECT_GT(pod_lists(), lists_before);
}

TEST_F(KubeRuntime, AWatchEventPastTheLineBoundIsListedAfreshNotHeld) {
    client_ = std::make_unique<KubeClient>(
        config_, KubeClientOptions{
                     .backoff_initial = 20ms, .backoff_max = 200ms, .watch_timeout = 60s, .max_watch_line = 16 * 1024});
    auto& runtime = start_runtime();
    const auto a = session("2ZkQ9xAbCdEfGhIjKlMnOpQrSz4");
    runtime.provision({a, "", "t"});
    const auto lists_before = pod_lists();
    auto status = ready_status();
    status["conditions"][0]["message"] = std::string(64 * 1024, 'x');  // the event line passes 16 KiB
    set_pod(a, status);
    ASSERT_TRUE(told_.ready("2ZkQ9xAbCdEfGhIjKlMnOpQrSz4"));  // learnt from the list
    EXPECT_GT(pod_lists(), lists_before);
}

TEST_F(KubeRuntime, AdoptTakesBackLivePodsAfterARestart) {
    {
        auto& first = start_runtime();
        first.provision({session("2ZkQ9xAbCdEfGhIjKlMnOpQrTa1"), "", "t"});
        set_pod(session("2ZkQ9xAbCdEfGhIjKlMnOpQrTa1"), ready_status());
        ASSERT_TRUE(told_.ready("2ZkQ9xAbCdEfGhIjKlMnOpQrTa1"));
        first.provision({session("2ZkQ9xAbCdEfGhIjKlMnOpQrTa2"), "", "t"});
        set_pod(session("2ZkQ9xAbCdEfGhIjKlMnOpQrTa2"), terminated_status("Succeeded", 0, "Completed"));
        ASSERT_TRUE(told_.exited("2ZkQ9xAbCdEfGhIjKlMnOpQrTa2"));
        runtime_.reset();
    }
    KubernetesRuntime second(*client_, options_);
    EXPECT_EQ(second.adopt(), std::vector<std::string>{"2ZkQ9xAbCdEfGhIjKlMnOpQrTa1"});
    EXPECT_TRUE(second.has_runner("2ZkQ9xAbCdEfGhIjKlMnOpQrTa1"));
    EXPECT_EQ(second.ready_url("2ZkQ9xAbCdEfGhIjKlMnOpQrTa1"),
              "http://session-2zkq9xabcdefghijklmnopqrta1.team-a.svc:8001");
    EXPECT_FALSE(second.has_runner("2ZkQ9xAbCdEfGhIjKlMnOpQrTa2"));
    // The ended Pod is replaced when the session is provisioned again.
    second.provision({session("2ZkQ9xAbCdEfGhIjKlMnOpQrTa2"), "", "t"});
    EXPECT_TRUE(second.has_runner("2ZkQ9xAbCdEfGhIjKlMnOpQrTa2"));
}

TEST_F(KubeRuntime, ClientRetriesConflictsAndReportsStatuses) {
    client_->get_or_create(kNamespaces, namespace_object("team-a"));
    const auto n = session_names(session("2ZkQ9xAbCdEfGhIjKlMnOpQrTb1"));
    client_->create(kSecrets, "team-a", token_secret(n, "a"));

    // Two writers got in between: the read-modify-write starts over each time.
    fake_->control("POST", "/__fake/fail", {{"method", "PUT"}, {"path", "/secrets/"}, {"status", 409}, {"count", 2}});
    const auto updated = client_->update(
        kSecrets, "team-a", n.secret, [](json& secret) { secret["data"]["bot-token"] = crypto::base64_encode("b"); });
    EXPECT_EQ(crypto::base64_decode(updated["data"]["bot-token"].get<std::string>()), "b");
    EXPECT_EQ(requests([](const json& r) { return r["method"] == "PUT"; }).size(), 3u);

    const auto status_of = [](const std::function<void()>& call) {
        try {
            call();
        } catch (const KubeApiError& e) {
            return std::to_string(e.code()) + " " + e.reason();
        }
        return std::string("no error");
    };
    EXPECT_EQ(status_of([&] { client_->get(kSecrets, "team-a", "absent"); }), "404 NotFound");
    EXPECT_FALSE(client_->find(kSecrets, "team-a", "absent"));
    EXPECT_FALSE(client_->remove(kSecrets, "team-a", "absent"));
    EXPECT_EQ(status_of([&] { client_->create(kSecrets, "team-a", token_secret(n, "a")); }), "409 AlreadyExists");
    auto bad = token_secret(n, "a");
    bad["metadata"]["name"] = "Not_A_DNS_Name";
    EXPECT_EQ(status_of([&] { client_->create(kSecrets, "team-a", bad); }), "422 Invalid");
    fake_->control("POST", "/__fake/forbid", {{"verb", "delete"}, {"resource", "secrets"}});
    EXPECT_EQ(status_of([&] { client_->remove(kSecrets, "team-a", n.secret); }), "403 Forbidden");

    KubeConfig wrong;
    wrong.server = fake_->url();
    wrong.token = "not-the-token";
    EXPECT_EQ(status_of([&] { KubeClient(wrong).list(kPods, ""); }), "401 Unauthorized");
}

// TLS with the cluster's CA from a kubeconfig, the bearer token sent over it; a server the
// CA did not sign is refused, unless insecure-skip-tls-verify says otherwise.
TEST(KubeClientTls, TrustsTheKubeconfigsCaOnly) {
    if (auto why = testing::FakeKubeApiServer::unavailable(AMBIENT_FAKE_KUBE_DIR)) GTEST_SKIP() << *why;
    testing::TempDir dir;
    testing::TestCa ca(dir.path());
    const auto certificate = ca.issue("kube", {"127.0.0.1"});
    testing::FakeKubeApiServer fake(AMBIENT_FAKE_KUBE_DIR, {kToken}, certificate.certificate_file,
                                    certificate.key_file);
    ASSERT_EQ(fake.url().substr(0, 8), "https://");
    const auto kubeconfig = dir.path() / "kubeconfig";
    const auto write = [&](const std::string& cluster_extra) {
        std::ofstream(kubeconfig) << "current-context: c\nclusters: [{name: k, cluster: {server: '" << fake.url() << "'"
                                  << cluster_extra << "}}]\nusers: [{name: u, user: {token: " << kToken
                                  << "}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n";
    };
    write(", certificate-authority: " + ca.certificate_file().string());
    const KubeClient trusted(load_kubeconfig(kubeconfig));
    EXPECT_EQ(trusted.get_or_create(kNamespaces, namespace_object("team-a"))["metadata"]["name"], "team-a");

    write("");
    const KubeClient untrusted(load_kubeconfig(kubeconfig));
    EXPECT_THROW(untrusted.list(kNamespaces, ""), client::TransportError);

    write(", insecure-skip-tls-verify: true");
    const KubeClient insecure(load_kubeconfig(kubeconfig));
    EXPECT_EQ(insecure.list(kNamespaces, "")["items"].size(), 1u);
}

}  // namespace
}  // namespace ambient::controlplane::kube
