// ambient-control-plane: the composition root. It follows the API server's sessions and
// projects (watch clients → EventQueue), reconciles each session into a runner of the local
// or kubernetes runtime (ReconcileLoop), keeps every runner's token fresh (TokenRefresher) and serves
// /healthz and /metrics. docs/control-plane.md describes each part.
#include <csignal>
#include <cstdint>
#include <iostream>
#include <map>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "common/client/http_client.hpp"
#include "controlplane/api_client.hpp"
#include "controlplane/config.hpp"
#include "controlplane/metrics_server.hpp"
#include "controlplane/metrics_text.hpp"
#include "controlplane/reconcile_loop.hpp"
#include "controlplane/reconciler.hpp"
#include "controlplane/runtimes/kubernetes/kube_client.hpp"
#include "controlplane/runtimes/kubernetes/kube_config.hpp"
#include "controlplane/runtimes/kubernetes/kubernetes_runtime.hpp"
#include "controlplane/runtimes/kubernetes/leader_election.hpp"
#include "controlplane/runtimes/local/local_runtime.hpp"
#include "controlplane/service_token.hpp"
#include "controlplane/token_refresher.hpp"
#include "controlplane/watch_client.hpp"
#include "controlplane/watch_event.hpp"

using namespace ambient::controlplane;

namespace {

sigset_t block_stop_signals() {
    // SIGINT and SIGTERM are taken by a thread that waits for them, so no handler runs on an
    // arbitrary thread; every thread started afterwards inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

std::map<std::string, std::uint64_t> ended_by_fault(const WatchClient& watch) {
    std::map<std::string, std::uint64_t> out;
    for (const auto fault : kStreamFaults)
        out[stream_fault_name(fault)] = watch.streams_ended(fault);
    return out;
}

// The runtime --runtime chose, and what it needs kept alive.
struct ChosenRuntime {
    std::unique_ptr<LocalRuntime> local;
    std::unique_ptr<kube::KubeClient> kube_client;
    std::unique_ptr<kube::KubernetesRuntime> kubernetes;

    Runtime& get() { return local ? static_cast<Runtime&>(*local) : *kubernetes; }
    std::string describe() const { return local ? local->describe() : kubernetes->describe(); }
    void stop_all() { local ? local->stop_all() : kubernetes->stop_all(); }
};

ChosenRuntime make_runtime(const ControlPlaneConfig& config) {
    ChosenRuntime chosen;
    if (config.runtime == RuntimeKind::Local) {
        chosen.local = std::make_unique<LocalRuntime>(local_runtime_options(config));
    } else {
        chosen.kube_client =
            std::make_unique<kube::KubeClient>(kube::resolve_kube_config(config.kubeconfig, process_getenv));
        chosen.kubernetes =
            std::make_unique<kube::KubernetesRuntime>(*chosen.kube_client, kube::kubernetes_runtime_options(config));
    }
    return chosen;
}

// --leader-elect: waits for the Lease (true) or a stop signal (false). SIGUSR1, sent to this
// thread alone, says the election ended.
bool wait_for_leadership(kube::LeaderElector& elector, const sigset_t& stop_signals) {
    sigset_t wake = stop_signals;
    sigaddset(&wake, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &wake, nullptr);
    const auto& lease = elector.options();
    spdlog::info("leader election: {} waits for the lease {}/{}", lease.identity, lease.namespace_, lease.name);
    std::atomic<bool> stop{false};
    std::atomic<bool> elected{false};
    const pthread_t self = pthread_self();
    std::thread election([&] {
        elected = elector.acquire(stop);
        pthread_kill(self, SIGUSR1);
    });
    int received = 0;
    sigwait(&wake, &received);
    stop = true;
    election.join();
    if (received != SIGUSR1) {
        spdlog::info("signal {}: stopping", received);
        if (elected) elector.release();
        return false;
    }
    spdlog::info("leader election: {} leads", lease.identity);
    return elected;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<ControlPlaneConfig> loaded;
    try {
        loaded = load_config(std::vector<std::string>(argv + 1, argv + argc), process_getenv, std::cout);
    } catch (const ConfigError& e) {
        std::cerr << "ambient-control-plane: " << e.what() << "\n";
        return 2;
    }
    if (!loaded) return 0;  // --help
    const auto& config = *loaded;
    // Logs on stderr, like the API server's; stdout carries only the listening line.
    spdlog::set_default_logger(spdlog::stderr_color_mt("ambient-control-plane"));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    auto signals = block_stop_signals();

    const ServiceToken service_token(config);
    auto token = [&service_token] { return service_token.get(); };
    const ambient::client::HttpClient http(config.api_server_url);
    const ApiClient api(http, token);

    ChosenRuntime chosen;
    try {
        chosen = make_runtime(config);
    } catch (const std::exception& e) {
        spdlog::critical("ambient-control-plane: the {} runtime cannot start: {}", runtime_name(config.runtime),
                         e.what());
        return 1;
    }
    Runtime* runtime = &chosen.get();
    spdlog::info("ambient-control-plane: runtime {} ({}), API server {}, data dir {}", runtime_name(config.runtime),
                 chosen.describe(), config.api_server_url, config.data_dir.string());

    // Everything is built first and /healthz and /metrics served (a standby replica answers
    // too); then, with --leader-elect, only the leader goes on to adopt, refresh and reconcile.
    TokenRefresher refresher(
        *runtime,
        {.mint = [&api](const std::string& id) { return api.mint_runner_token(id); },
         .mint_batch = [&api](const std::vector<std::string>& ids) { return api.mint_runner_tokens(ids); }},
        {.interval = config.token_refresh_interval, .concurrency = config.token_refresh_concurrency});
    EventQueue events;
    Reconciler reconciler(
        *runtime,
        {.patch_status = [&api](const std::string& id,
                                const nlohmann::json& fields) { return api.patch_status(id, fields); },
         .credential_ids = [&api](const std::string& id) { return credential_ids_json(api.credential_ids(id)); },
         .mint_token = [&api](const std::string& id) { return api.mint_runner_token(id).token; }},
        {.max_sessions = config.max_sessions});
    ReconcileLoop loop(reconciler, events);
    std::atomic<bool> stop{false};
    const WatchOptions watch_options{.idle_timeout = config.watch_idle_timeout};
    WatchClient sessions(http, Resource::Sessions, token, events, watch_options);
    WatchClient projects(http, Resource::Projects, token, events, watch_options);

    MetricsServer metrics(
        config.metrics_host, config.metrics_port,
        {.healthy = [&sessions] { return sessions.lists() > 0; },
         .render =
             [&] {
                 const auto refresh = refresher.metrics();
                 return render_metrics({
                     .sessions_by_phase = loop.sessions_by_phase(),
                     .live_runners = runtime->live_runners(),
                     .reconcile_errors = loop.reconcile_errors(),
                     .watch_connections = {{"sessions", sessions.connections()}, {"projects", projects.connections()}},
                     .watch_lists = {{"sessions", sessions.lists()}, {"projects", projects.lists()}},
                     .watch_streams_open = {{"sessions", sessions.streams_open()},
                                            {"projects", projects.streams_open()}},
                     .watch_streams_resumed = {{"sessions", sessions.streams_resumed()},
                                               {"projects", projects.streams_resumed()}},
                     .watch_streams_ended_by_fault = {{"sessions", ended_by_fault(sessions)},
                                                      {"projects", ended_by_fault(projects)}},
                     .refresh_passes = refresh.passes_total,
                     .refresh_failures = refresh.refresh_failures_total,
                     .tokens_written = refresh.tokens_written_total,
                     .last_refresh_pass_seconds = refresh.last_pass_seconds,
                 });
             }});
    try {
        metrics.start();
    } catch (const std::exception& e) {
        spdlog::critical("ambient-control-plane: --metrics-bindaddress {}:{}: {}", config.metrics_host,
                         config.metrics_port, e.what());
        return 1;
    }
    // Tests and scripts read the chosen port from this line (with :0).
    std::cout << "ambient-control-plane listening on " << config.metrics_host << ":" << metrics.port() << " (metrics)"
              << std::endl;

    std::unique_ptr<kube::LeaderElector> elector;
    if (config.leader_elect) {
        elector = std::make_unique<kube::LeaderElector>(
            *chosen.kube_client, kube::LeaseOptions{.namespace_ = config.lease_namespace,
                                                    .name = config.lease_name,
                                                    .identity = config.lease_identity,
                                                    .lease_duration = config.lease_duration,
                                                    .renew_deadline = config.lease_duration * 2 / 3,
                                                    .retry_period = config.lease_duration / 5});
        if (!wait_for_leadership(*elector, signals)) {
            metrics.stop();
            return 0;
        }
    }
    std::atomic<bool> stop_holding{false};
    std::atomic<bool> leadership_lost{false};
    std::thread holding;
    if (elector) {
        // Losing the Lease stops this replica as a signal would: another one leads now.
        const pthread_t main_thread = pthread_self();
        holding = std::thread([&, main_thread] {
            if (!elector->hold(stop_holding)) {
                leadership_lost = true;
                pthread_kill(main_thread, SIGTERM);
            }
        });
    }

    // Runners a previous control plane left running are taken back before anything else, so
    // that the first refresh pass (next) rewrites their token files at once — without waiting
    // for the API server's list. A new leader thereby refreshes every live token at once.
    std::vector<std::string> adopted;
    try {
        adopted = runtime->adopt();
    } catch (const std::exception& e) {
        spdlog::critical("ambient-control-plane: the {} runtime cannot list its runners: {}",
                         runtime_name(config.runtime), e.what());
        std::quick_exit(1);  // threads are running; nothing of ours needs unwinding (a Lease expires)
    }
    if (!adopted.empty()) spdlog::info("adopted {} runner(s) left by a previous control plane", adopted.size());
    refresher.start();
    runtime->set_listener(loop.listener());
    loop.start();
    std::thread sessions_thread([&] { sessions.run(stop); });
    std::thread projects_thread([&] { projects.run(stop); });

    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("signal {}: stopping", received);
    stop = true;
    metrics.stop();
    sessions_thread.join();
    projects_thread.join();
    loop.stop();
    refresher.stop();
    if (config.stop_runners_on_exit) {
        spdlog::info("stopping every runner (--stop-runners-on-exit)");
        chosen.stop_all();
    }
    if (elector) {
        stop_holding = true;
        holding.join();
        if (!leadership_lost) elector->release();  // a standby takes over at once
    }
    // Without --stop-runners-on-exit the runners go on; the next control plane adopts them.
    return leadership_lost ? 1 : 0;
}
