// Live events of a session's run: /api/ambient/v1/sessions/{id}/events, a streaming proxy
// to <runner_url scheme>://<runner host>:<port>/events/<session id>. runner_url is written by
// the control plane through PATCH /sessions/{id}/status and checked there; only its scheme,
// host and port are used, the connection never goes to a link-local or metadata address, and
// over https the runner's certificate must verify and name its host (http::StreamClient).
//
//   GET /sessions/{id}/events   text/event-stream copied from the runner as it arrives,   session:read
//                               until the caller's token expires or its access goes
//                               404 unknown session; 502 no usable runner_url, runner
//                               unreachable, its TLS certificate not accepted, or answering
//                               non-2xx (decided before the stream starts)
#include <utility>  // Boost 1.74's asio needs std::exchange first

#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>

#include "api/auth/principal.hpp"
#include "api/crud.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"
#include "api/sse.hpp"
#include "api/streams/stream_guard.hpp"
#include "api/streams/stream_quota.hpp"
#include "common/http/stream_client.hpp"

namespace ambient::api {
namespace {

// Resolve, connect, TLS handshake, request and response header; the body has no deadline.
constexpr auto kRunnerTimeout = std::chrono::milliseconds(5000);
// How often the relay looks up from a quiet runner (to notice a server shutdown).
constexpr auto kWakeSlice = std::chrono::milliseconds(1000);
// A quiet stream gets a comment this often, so that a client that left is noticed (the
// write fails) and idle proxies in between keep the connection.
constexpr auto kPingInterval = std::chrono::seconds(15);

ApiError bad_gateway(std::string reason, std::string detail = {}) {
    return ApiError(502, ErrorCode::General, std::move(reason), std::move(detail));
}

// True when the bytes sent so far end between two events, where a comment may go.
bool at_event_boundary(const std::string& tail) {
    return tail.empty() || tail.ends_with("\n\n") || tail.ends_with("\r\n\r\n") || tail.ends_with("\r\r");
}

// `guard` ends the relay when the caller's token expires or its access to the session goes.
boost::asio::awaitable<void> relay(std::shared_ptr<http::UpstreamResponse> upstream,
                                   std::shared_ptr<streams::StreamQuota::Ticket> /*held while relaying*/,
                                   std::shared_ptr<streams::StreamGuard> guard, http::StreamWriter& writer) {
    std::string tail;  // the last bytes sent, to find event boundaries across pieces
    auto last_write = std::chrono::steady_clock::now();
    // Nobody waits on it: the relay looks at the guard every slice anyway.
    guard->attach(std::make_shared<streams::Wakeup>(writer.executor()));
    while (!writer.stopping()) {
        const auto verdict = guard->check_due() ? co_await guard->check() : streams::StreamGuard::Verdict::Keep;
        if (verdict == streams::StreamGuard::Verdict::Expired || verdict == streams::StreamGuard::Verdict::Revoked) {
            if (at_event_boundary(tail)) co_await writer.write(streams::ending_comment(verdict));
            break;
        }
        auto piece = co_await upstream->read(writer.executor(), kWakeSlice);
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

// Checked again here: a value stored before runner_url was checked on write (or written to
// the database by hand) must not choose where the server connects or what it asks for.
http::UpstreamOrigin runner_origin(const std::string& runner_url) {
    if (runner_url.empty()) throw bad_gateway("session has no runner");
    try {
        return http::parse_upstream_origin(runner_url);
    } catch (const http::OriginError& e) {
        throw bad_gateway("session's runner_url is not usable", e.what());
    }
}

http::Handler events_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        const auto session = in_transaction(ctx, store::TxMode::Read, session_schema(), [&](store::Connection& conn) {
            return repo::find(conn, session_schema(), id);
        });
        if (!session) throw not_found(session_schema(), id);
        const auto origin = runner_origin(model::text_of(*session, "runner_url"));

        auto ticket = streams::admit_stream(ctx.stream_quota, principal_of(req));
        http::HeaderList headers = {{"Accept", "text/event-stream"}};
        if (auto last = req.header("Last-Event-ID")) headers.emplace_back("Last-Event-ID", std::string(*last));
        if (ctx.runner_client == nullptr) throw bad_gateway("runner not reachable", "no client for runners");
        std::shared_ptr<http::UpstreamResponse> upstream;
        try {
            // The id is a KSUID (checked before authorization), safe in a request line.
            upstream = ctx.runner_client->open_streaming_get(origin, "/events/" + id, headers, kRunnerTimeout);
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
        spdlog::debug("session {}: relaying runner events (op={})", id, req.operation_id);
        auto guard = std::make_shared<streams::StreamGuard>(ctx, principal_of(req), id, "session:read");
        return sse_response([upstream, ticket = std::move(ticket), guard](http::StreamWriter& writer) {
            return relay(upstream, ticket, guard, writer);
        });
    };
}

}  // namespace

void register_session_events(http::Router& router, ApiContext& ctx) {
    router.add({"GET", std::string(model::kApiBasePath) + "/sessions/{id}/events", events_handler(ctx), false,
                "Stream a session's live events from its runner", "session:read"});
}

}  // namespace ambient::api
