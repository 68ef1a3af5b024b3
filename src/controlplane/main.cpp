// ambient-control-plane: the composition root. Today it reads its configuration and follows
// the API server's sessions and projects; the reconciler, the local runtime and the token
// refresher (docs/control-plane.md) will consume the event queue built here.
#include <csignal>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/client/http_client.hpp"
#include "controlplane/config.hpp"
#include "controlplane/service_token.hpp"
#include "controlplane/watch_client.hpp"
#include "controlplane/watch_event.hpp"

using namespace ambient::controlplane;

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
    spdlog::set_level(spdlog::level::from_str(config.log_level));

    // SIGINT and SIGTERM are taken by a thread that waits for them, so no handler runs on an
    // arbitrary thread; every thread started below inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    const ServiceToken service_token(config);
    const ambient::client::HttpClient api(config.api_server_url);
    EventQueue queue;
    std::atomic<bool> stop{false};
    auto token = [&service_token] { return service_token.get(); };
    WatchClient sessions(api, Resource::Sessions, token, queue);
    WatchClient projects(api, Resource::Projects, token, queue);

    spdlog::info("ambient-control-plane: runtime {}, API server {}, data dir {}", runtime_name(config.runtime),
                 config.api_server_url, config.data_dir.string());
    std::thread signal_waiter([&] {
        int received = 0;
        sigwait(&signals, &received);
        spdlog::info("signal {}: stopping", received);
        stop = true;
        queue.close();
    });
    std::thread sessions_thread([&] { sessions.run(stop); });
    std::thread projects_thread([&] { projects.run(stop); });

    // Until the reconciler exists, the events are only logged.
    while (auto event = queue.pop(std::chrono::hours(24 * 365))) {
        spdlog::info("{} {} {} (event {})", resource_path(event->resource), event_type_name(event->type), event->id,
                     event->event_id);
    }
    sessions_thread.join();
    projects_thread.join();
    signal_waiter.join();
    return 0;
}
