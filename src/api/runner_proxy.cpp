#include "api/runner_proxy.hpp"

#include <utility>  // Boost 1.74's asio needs std::exchange first

#include <chrono>
#include <optional>

#include <spdlog/spdlog.h>

#include "api/auth/principal.hpp"
#include "api/auth/runner_tokens.hpp"
#include "api/sse.hpp"
#include "api/streams/stream_guard.hpp"
#include "common/api_error.hpp"

namespace ambient::api {
namespace {

// Resolve, connect, TLS handshake, request and response header; the body has no deadline.
constexpr auto kRunnerTimeout = std::chrono::milliseconds(5000);
// How often the relay looks up from a quiet runner (to notice a server shutdown).
constexpr auto kWakeSlice = std::chrono::milliseconds(1000);
// A quiet stream gets a comment this often, so that a client that left is noticed (the
// write fails) and idle proxies in between keep the connection.
constexpr auto kPingInterval = std::chrono::seconds(15);
// The runner pings its own streams every 15 s (agui::ServerOptions::ping_interval): three of
// those without a byte mean it is stuck or the connection is half-open. Relaying our own
// pings would hide that from the client forever, so the relay ends instead, and the client
// resumes with Last-Event-ID (the runner replays from there).
constexpr auto kRunnerIdle = std::chrono::seconds(45);

ApiError bad_gateway(std::string reason, std::string detail = {}) {
    return ApiError(502, ErrorCode::General, std::move(reason), std::move(detail));
}

// True when the bytes sent so far end between two events, where a comment may go.
bool at_event_boundary(const std::string& tail) {
    return tail.empty() || tail.ends_with("\n\n") || tail.ends_with("\r\n\r\n") || tail.ends_with("\r\r");
}

// `guard` ends the relay when the caller's token expires or its access to the session goes;
// `stats` (may be null) counts it. The relay reads the runner, not the database: a database
// fault reaches it only through the guard.
boost::asio::awaitable<void> relay(std::string session_id, std::shared_ptr<http::UpstreamResponse> upstream,
                                   std::shared_ptr<streams::StreamQuota::Ticket> /*held while relaying*/,
                                   std::shared_ptr<streams::StreamGuard> guard, streams::StreamStats* stats,
                                   http::StreamWriter& writer) {
    std::optional<streams::StreamStats::Open> counted;
    if (stats != nullptr) counted.emplace(*stats);
    std::string tail;  // the last bytes sent, to find event boundaries across pieces
    auto last_write = std::chrono::steady_clock::now();
    auto last_read = last_write;
    // Nobody waits on it: the relay looks at the guard every slice anyway.
    guard->attach(std::make_shared<streams::Wakeup>(writer.executor()));
    while (!writer.stopping()) {
        const auto verdict = guard->check_due() ? co_await guard->check() : streams::StreamGuard::Verdict::Keep;
        if (streams::StreamGuard::ends(verdict)) {
            if (at_event_boundary(tail)) co_await writer.write(streams::ending_comment(verdict, stats));
            break;
        }
        auto piece = co_await upstream->read(writer.executor(), kWakeSlice);
        if (!piece.data.empty()) last_read = std::chrono::steady_clock::now();
        if (piece.data.empty() && !piece.ended && std::chrono::steady_clock::now() - last_read >= kRunnerIdle) {
            spdlog::info(
                "session {}: the runner's stream sent nothing for {} s; ending the relay so the client resumes",
                session_id, kRunnerIdle.count());
            break;
        }
        if (!piece.data.empty()) {
            tail += piece.data.substr(piece.data.size() > 4 ? piece.data.size() - 4 : 0);
            if (tail.size() > 4) tail.erase(0, tail.size() - 4);
            if (!co_await writer.write(std::move(piece.data))) break;
            last_write = std::chrono::steady_clock::now();
        } else if (!piece.ended && at_event_boundary(tail) &&
                   std::chrono::steady_clock::now() - last_write >= kPingInterval) {
            if (!co_await writer.write(std::string(kSsePing))) break;
            last_write = std::chrono::steady_clock::now();
        }
        if (piece.ended) break;
    }
    upstream->close();
}

std::string proxy_token(ApiContext& ctx, const model::Row& session) {
    if (ctx.runner_tokens == nullptr) throw ApiError::unavailable("no runner token keys to sign the proxy token");
    try {
        return ctx.runner_tokens->issue_proxy_token(model::text_of(session, "id"),
                                                    model::text_of(session, "project_id"));
    } catch (const std::exception& e) {
        throw ApiError::unavailable(std::string("cannot sign the runner proxy token: ") + e.what());
    }
}

}  // namespace

// Checked again here: a value stored before runner_url was checked on write (or written to
// the database by hand) must not choose where the server connects or what it asks for.
http::UpstreamOrigin runner_origin(const model::Row& session) {
    const auto& runner_url = model::text_of(session, "runner_url");
    if (runner_url.empty()) throw bad_gateway("session has no runner");
    try {
        return http::parse_upstream_origin(runner_url);
    } catch (const http::OriginError& e) {
        throw bad_gateway("session's runner_url is not usable", e.what());
    }
}

std::shared_ptr<http::UpstreamResponse> open_runner(ApiContext& ctx, const http::UpstreamOrigin& origin,
                                                    const model::Row& session, RunnerRequest request) {
    if (ctx.runner_client == nullptr) throw bad_gateway("runner not reachable", "no client for runners");
    request.headers.emplace_back("Authorization", "Bearer " + proxy_token(ctx, session));
    std::shared_ptr<http::UpstreamResponse> upstream;
    try {
        upstream = request.method == "POST"
                       ? ctx.runner_client->open_streaming_post(origin, request.target, request.headers,
                                                                std::move(request.body), kRunnerTimeout)
                       : ctx.runner_client->open_streaming_get(origin, request.target, request.headers, kRunnerTimeout);
    } catch (const http::UpstreamTlsError& e) {
        throw bad_gateway(e.certificate_rejected() ? "runner's TLS certificate was not accepted"
                                                   : "TLS handshake with the runner failed",
                          e.what());
    } catch (const http::StreamClientError& e) {
        throw bad_gateway("runner not reachable", e.what());
    }
    if (upstream->status() < 200 || upstream->status() > 299) {
        throw bad_gateway("runner answered " + std::to_string(upstream->status()));
    }
    return upstream;
}

http::Response relay_response(ApiContext& ctx, const http::Request& req, const std::string& session_id,
                              const std::string& permission, std::shared_ptr<http::UpstreamResponse> upstream,
                              std::shared_ptr<streams::StreamQuota::Ticket> ticket) {
    spdlog::debug("session {}: relaying the runner's events (op={})", session_id, req.operation_id);
    auto guard = std::make_shared<streams::StreamGuard>(ctx, principal_of(req), session_id, permission);
    return sse_response([session_id, upstream = std::move(upstream), ticket = std::move(ticket), guard,
                         stats = ctx.stream_stats](http::StreamWriter& writer) {
        return relay(session_id, upstream, ticket, guard, stats, writer);
    });
}

}  // namespace ambient::api
