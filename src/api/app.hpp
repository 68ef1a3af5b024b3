#pragma once
// The API server's routes and request hooks, built from its parts. main() owns the parts
// and the HTTP server; tests can build an App without either.
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "api/audit/audit_upkeep.hpp"
#include "api/audit/denied_read_limiter.hpp"
#include "api/auth/authenticator.hpp"
#include "api/authz/access_cache.hpp"
#include "api/context.hpp"
#include "api/credentials/keyring.hpp"
#include "api/event_retention.hpp"
#include "api/notify/notifier.hpp"
#include "common/http/router.hpp"
#include "common/metrics.hpp"

namespace ambient::api {

class RunnerTokens;
class WebConsole;
namespace streams {
class EventLog;
class MessageFeeds;
class StreamQuota;
class StreamStats;
}  // namespace streams

// The principal of requests authenticated with a static service token.
inline constexpr const char* kServicePrincipal = "ambient-service";

struct AppOptions {
    std::string version = "0.1.0";
    std::filesystem::path data_dir = "./data";
    // Threads for the blocking reads of open streams.
    std::size_t stream_threads = 4;
    // Adds /api/ambient/v1/bench/projects routes that parse, validate and render like the
    // real ones but never touch storage: the HTTP ceiling for bench/api.
    bool bench_ceiling = false;
    // The keys for credential tokens, owned by the caller and outliving the App. nullptr:
    // none, so storing or reading a token fails (for tests that never do).
    const credentials::Keyring* keyring = nullptr;
    // Events kept for watch streams to resume from (event_retention.hpp).
    std::int64_t event_retention_count = kDefaultEventRetentionCount;
    // Events older than this are pruned too (the newest always stays); zero: no age limit.
    std::chrono::seconds event_retention_age{0};
    // Signs runner tokens (auth/runner_tokens.hpp), owned by the caller and outliving the
    // App; the Authenticator is given the same object to accept them. nullptr: the token and
    // JWKS routes answer 503.
    RunnerTokens* runner_tokens = nullptr;
    // Opens the runners' event streams for GET /sessions/{id}/events, owned by the caller
    // and outliving the App (and the HTTP server). nullptr: that route answers 502.
    http::StreamClient* runner_client = nullptr;
    // The most streams (watch, messages, events) one user or runner holds open at once; 0:
    // no cap. Service tokens are never capped.
    std::size_t max_streams_per_principal = 32;
    // Audit rows older than this are deleted (audit/audit_retention.hpp); zero keeps them.
    std::chrono::seconds audit_retention{0};
    // How long a watch or message stream stays silent before it sends a ping.
    std::chrono::seconds stream_ping_interval{30};
    // The web console served under /, owned by the caller and outliving the App. nullptr:
    // no console (--no-web, or none built).
    const WebConsole* web_console = nullptr;
};

class App {
public:
    // `auth` null: a service-token-only authenticator with no tokens (tests that only walk routes).
    App(store::Database& db, std::unique_ptr<Authenticator> auth, AppOptions options);
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    const http::Router& router() const { return router_; }
    Metrics& metrics() { return metrics_; }

    // Runs before every routed request to a non-public route: a 401 response without a
    // valid bearer token; then throws ApiError for a body that is not JSON (415), a path id
    // that cannot name anything (404) and a refusal of authorization (403, 404).
    std::optional<http::Response> authenticate(http::Request& req, const http::Route* route);
    // Runs after every request.
    void record(const http::Request& req, int status, double seconds);

    Notifier& notifier() { return notifier_; }
    // Wakes every open stream (at shutdown, so that each sees the server stopping).
    void wake_streams();

private:
    void provision_user(const Principal& principal);

    Notifier notifier_;
    std::unique_ptr<boost::asio::thread_pool> stream_pool_;
    std::unique_ptr<streams::EventLog> event_log_;
    std::unique_ptr<streams::MessageFeeds> message_feeds_;
    std::unique_ptr<streams::StreamQuota> stream_quota_;
    std::unique_ptr<streams::StreamStats> stream_stats_;
    credentials::Keyring no_keyring_;  // what ctx_ refers to when options.keyring is nullptr
    std::unique_ptr<EventRetention> event_retention_;
    DeniedReadLimiter denied_reads_;
    std::unique_ptr<AuditUpkeep> audit_upkeep_;
    authz::AccessCache access_cache_;
    ApiContext ctx_;
    std::unique_ptr<Authenticator> auth_;
    // Users already provisioned from their token's claims in this process.
    std::mutex provisioned_mutex_;
    std::unordered_set<std::string> provisioned_;
    Metrics metrics_;
    http::Router router_;
};

}  // namespace ambient::api
