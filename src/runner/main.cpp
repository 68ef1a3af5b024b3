// ambient-runner: the composition root. Parts are built in order and destroyed in reverse:
// log, token source, API client, event hub, agent, turn loop, AG-UI server.
//
// Exit codes: 0 after SIGTERM/SIGINT (the running turn ended, write-back flushed), 2 for a
// missing or malformed environment variable, 1 when the AG-UI server cannot listen.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <iostream>
#include <thread>

#include "runner/agents/agent.hpp"
#include "runner/agui/event_hub.hpp"
#include "runner/agui/proxy_auth.hpp"
#include "runner/agui/server.hpp"
#include "runner/api_client.hpp"
#include "runner/config.hpp"
#include "runner/git_credential_helper.hpp"
#include "runner/json_log.hpp"
#include "runner/redaction.hpp"
#include "runner/token_source.hpp"
#include "runner/turn_loop.hpp"

namespace {

using namespace ambient;
using namespace ambient::runner;

// SIGTERM and SIGINT are taken by one thread with sigwait, so that no other thread is ever
// interrupted by them and the agents' children start with the defaults.
sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

int run(const RunnerConfig& config, Redactor& redactor) {
    // Every runner token read (each rewrite of the file) is a secret too.
    TokenSource tokens(config.bot_token_file, config.bot_token,
                       [&redactor](const std::string& token) { redactor.add_secrets({token}); });
    ApiClient api(config.backend_api_url, config.session_id, tokens);
    agui::EventHub hub;
    auto agent = make_agent(config);
    TurnLoop turns(config, api, *agent, redactor, hub);

    // Only the API server may call it: its proxy tokens, verified against its runner JWKS.
    agui::ProxyAuth proxy_auth(config.session_id, [&api] { return api.runner_jwks(); });
    agui::Server server(
        {.host = config.agui_host, .port = config.agui_port}, config.session_id, hub, proxy_auth,
        {.on_run = [&turns](std::int64_t user_seq,
                            const std::string& requested) { return turns.run_id_for(user_seq, requested); },
         .on_interrupt = [&turns] { turns.interrupt(); }});
    try {
        server.start();
    } catch (const std::exception& e) {
        spdlog::error("cannot listen on {}:{}: {}", config.agui_host, config.agui_port, e.what());
        return 1;
    }
    std::cout << "ambient-runner listening on " << config.agui_host << ":" << server.port() << " (AG-UI)" << std::endl;
    spdlog::info("runner for session {} ready: agent {}, AG-UI on {}:{}", config.session_id,
                 runner_type_name(config.runner_type), config.agui_host, server.port());

    std::atomic<bool> finished{false};
    std::thread signals([&] {
        const auto set = stop_signals();
        int sig = 0;
        sigwait(&set, &sig);
        spdlog::info("signal {}: stopping", sig);
        turns.stop();
        // An agent's interrupt is a no-op between turns, so one that lands just before a turn's
        // process starts would be lost: repeat it until the loop has ended.
        while (!finished) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            if (!finished) turns.interrupt();
        }
    });
    try {
        turns.run();  // returns only after stop()
    } catch (...) {
        finished = true;
        signals.detach();  // may still wait in sigwait; the process is about to exit
        throw;
    }
    finished = true;
    signals.join();
    hub.close();
    server.stop();
    agent->shutdown();
    spdlog::info("runner stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // git runs the runner as its credential helper: answer before anything else starts.
    if (argc >= 2 && std::strcmp(argv[1], kGitCredentialSubcommand) == 0) return git_credential_main(argc, argv);
    const auto set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
    // First, and last to go: every log line passes through it.
    Redactor redactor;
    const char* log_level = std::getenv("LOG_LEVEL");
    install_json_log(redactor, parse_log_level(log_level != nullptr ? log_level : ""));
    RunnerConfig config;
    try {
        config = load_config();
    } catch (const ConfigError& e) {
        spdlog::error("{}", e.what());
        return 2;
    }
    try {
        return run(config, redactor);
    } catch (const std::exception& e) {
        spdlog::error("runner failed: {}", e.what());
        return 1;
    }
}
