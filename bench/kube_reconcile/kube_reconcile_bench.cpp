// bench-kube-reconcile: issue 17's speed figure. SESSIONS new sessions (over PROJECTS projects)
// reconciled by the real Reconciler until each has its runner (objects created, status
// written), then one TokenRefresher pass over them, with:
//   kubernetes  the kubernetes runtime against the fake Kubernetes API server (a Node test
//               double that validates every body against the official schemas), every object
//               a real HTTP request;
//   baseline    a simulated runtime doing the local runtime's bookkeeping in memory: a token
//               file written per session with write_token_file(), no process started.
// The API server is an in-memory stand-in for both (status writes stored, tokens minted as
// text). Prints one line per measure and a RESULT line of JSON: milliseconds and the ratios
// kubernetes / baseline. Needs node and the fake's node_modules.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "controlplane/reconciler.hpp"
#include "controlplane/runtimes/kubernetes/kube_client.hpp"
#include "controlplane/runtimes/kubernetes/kubernetes_runtime.hpp"
#include "controlplane/token_file.hpp"
#include "controlplane/token_refresher.hpp"
#include "support/fake_kube_apiserver.hpp"

namespace {

using namespace ambient::controlplane;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The baseline: what the local runtime keeps per runner, minus the process.
class SimulatedRuntime : public Runtime {
public:
    explicit SimulatedRuntime(std::filesystem::path dir) : dir_(std::move(dir)) {}
    void set_listener(Listener) override {}
    std::vector<std::string> adopt() override { return {}; }
    bool has_runner(const std::string& id) const override {
        std::lock_guard lock(mutex_);
        return runners_.contains(id);
    }
    std::size_t live_runners() const override {
        std::lock_guard lock(mutex_);
        return runners_.size();
    }
    std::vector<std::string> runner_ids() const override {
        std::lock_guard lock(mutex_);
        return {runners_.begin(), runners_.end()};
    }
    void provision(const ProvisionRequest& request) override {
        const auto id = request.session.at("id").get<std::string>();
        std::filesystem::create_directories(dir_ / id);
        write_token_file(dir_ / id / "bot-token", request.token);
        std::lock_guard lock(mutex_);
        runners_.insert(id);
    }
    std::optional<std::string> ready_url(const std::string& id) const override {
        return has_runner(id) ? std::optional<std::string>("http://127.0.0.1:1") : std::nullopt;
    }
    bool write_token(const std::string& id, const std::string& token) override {
        if (!has_runner(id)) return false;
        write_token_file(dir_ / id / "bot-token", token);
        return true;
    }
    void stop(const std::string&) override {}
    void remove(const std::string&) override {}

private:
    std::filesystem::path dir_;
    mutable std::mutex mutex_;
    std::set<std::string> runners_;
};

struct Measure {
    double reconcile_ms = 0;
    double refresh_ms = 0;
    std::size_t refreshed = 0;
};

Measure run(Runtime& runtime, const std::vector<json>& sessions) {
    std::mutex mutex;
    std::map<std::string, json> stored;  // the API server's copies
    for (const auto& s : sessions)
        stored[s["id"]] = s;
    Reconciler reconciler(runtime, {.patch_status =
                                        [&](const std::string& id, const json& fields) {
                                            stored[id].update(fields);
                                            return stored[id];
                                        },
                                    .credential_ids = [](const std::string&) { return std::string(); },
                                    .mint_token = [](const std::string& id) { return "token-" + id; }});
    runtime.set_listener({.ready =
                              [&](const std::string& id) {
                                  std::lock_guard lock(mutex);
                                  reconciler.notify_ready(id);
                              },
                          .exited =
                              [&](const std::string& id, const RunnerExit& exit) {
                                  std::lock_guard lock(mutex);
                                  reconciler.notify_exited(id, exit);
                              }});
    Measure m;
    const auto start = Clock::now();
    {
        std::lock_guard lock(mutex);
        for (const auto& s : sessions)
            reconciler.observe({Resource::Sessions, WatchEventType::Added, s["id"], s, 1, {}});
        while (reconciler.step(Clock::now())) {
        }
    }
    m.reconcile_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (runtime.live_runners() != sessions.size())
        throw std::runtime_error("only " + std::to_string(runtime.live_runners()) + " runners were provisioned");

    TokenRefresher refresher(runtime,
                             {.mint =
                                  [](const std::string& id) {
                                      return RunnerToken{"fresh-" + id, ""};
                                  }},
                             {.concurrency = 32});
    const auto stats = refresher.refresh_pass();
    m.refresh_ms = std::chrono::duration<double, std::milli>(stats.duration).count();
    m.refreshed = stats.refreshed;
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    int count = 1000;
    int projects = 10;
    CLI::App cli{"bench-kube-reconcile: the kubernetes runtime against the fake API server, beside a baseline"};
    cli.add_option("--sessions", count, "New sessions to reconcile")->capture_default_str();
    cli.add_option("--projects", projects, "Projects (namespaces) they are spread over")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    spdlog::set_level(spdlog::level::warn);

    if (auto why = ambient::testing::FakeKubeApiServer::unavailable(AMBIENT_FAKE_KUBE_DIR)) {
        std::cerr << "bench-kube-reconcile: " << *why << "\n";
        return 2;
    }
    std::vector<json> sessions;
    for (int i = 0; i < count; ++i) {
        const auto id = "2ZkQ9xAbCdEfGhIjKl" + std::to_string(100000000 + i);
        sessions.push_back({{"id", id},
                            {"project_id", "bench-" + std::to_string(i % projects)},
                            {"kube_cr_name", "session-" + std::to_string(100000000 + i)},
                            {"phase", "Pending"}});
    }

    const auto dir = std::filesystem::temp_directory_path() / ("bench-kube-reconcile." + std::to_string(::getpid()));
    SimulatedRuntime simulated(dir);
    const auto baseline = run(simulated, sessions);
    std::filesystem::remove_all(dir);
    std::cout << "baseline:   reconcile " << baseline.reconcile_ms << " ms, refresh " << baseline.refresh_ms << " ms ("
              << baseline.refreshed << " tokens)\n";

    ambient::testing::FakeKubeApiServer fake(AMBIENT_FAKE_KUBE_DIR, {"bench"});
    kube::KubeConfig config;
    config.server = fake.url();
    config.token = "bench";
    const kube::KubeClient client(config);
    kube::KubernetesRuntimeOptions options;
    options.objects.runner_image = "registry.example/ambient-runner:bench";
    kube::KubernetesRuntime runtime(client, options);
    runtime.adopt();
    const auto kubernetes = run(runtime, sessions);
    std::cout << "kubernetes: reconcile " << kubernetes.reconcile_ms << " ms, refresh " << kubernetes.refresh_ms
              << " ms (" << kubernetes.refreshed << " Secrets)\n";

    const json result{{"sessions", count},
                      {"projects", projects},
                      {"baseline_reconcile_ms", baseline.reconcile_ms},
                      {"baseline_refresh_ms", baseline.refresh_ms},
                      {"kubernetes_reconcile_ms", kubernetes.reconcile_ms},
                      {"kubernetes_refresh_ms", kubernetes.refresh_ms},
                      {"reconcile_ratio", kubernetes.reconcile_ms / baseline.reconcile_ms},
                      {"refresh_ratio", kubernetes.refresh_ms / baseline.refresh_ms}};
    std::cout << "RESULT " << result.dump() << std::endl;
    return kubernetes.refreshed == static_cast<std::size_t>(count) ? 0 : 1;
}
