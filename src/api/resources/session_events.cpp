// Live events of a session's run: /api/ambient/v1/sessions/{id}/events, a streaming proxy
// to <runner_url scheme>://<runner host>:<port>/events/<session id> (runner_proxy.hpp: where
// it connects, and the proxy token every request carries).
//
//   GET /sessions/{id}/events        text/event-stream copied from the runner as it arrives,   session:read
//   GET /sessions/{id}/agui/events   (the same; upstream's AG-UI name)
//                                    until the caller's token expires or its access goes
//                                    404 unknown session; 502 no usable runner_url, runner
//                                    unreachable, its TLS certificate not accepted, or answering
//                                    non-2xx (decided before the stream starts)
#include "api/auth/principal.hpp"
#include "api/crud.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"
#include "api/runner_proxy.hpp"

namespace ambient::api {
namespace {

http::Handler events_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        const auto session = in_transaction(ctx, store::TxMode::Read, session_schema(), [&](store::Connection& conn) {
            return repo::find(conn, session_schema(), id);
        });
        if (!session) throw not_found(session_schema(), id);
        const auto origin = runner_origin(*session);

        auto ticket = streams::admit_stream(ctx.stream_quota, principal_of(req));
        RunnerRequest request;
        // The id is a KSUID (checked before authorization), safe in a request line.
        request.target = "/events/" + id;
        request.headers = {{"Accept", "text/event-stream"}};
        if (auto last = req.header("Last-Event-ID")) request.headers.emplace_back("Last-Event-ID", std::string(*last));
        auto upstream = open_runner(ctx, origin, *session, std::move(request));
        return relay_response(ctx, req, id, "session:read", std::move(upstream), std::move(ticket));
    };
}

}  // namespace

void register_session_events(http::Router& router, ApiContext& ctx) {
    const std::string base = std::string(model::kApiBasePath) + "/sessions/{id}";
    router.add({"GET", base + "/events", events_handler(ctx), false, "Stream a session's live events from its runner",
                "session:read"});
    router.add({"GET", base + "/agui/events", events_handler(ctx), false,
                "Stream a session's live AG-UI events from its runner (the same as /events)", "session:read"});
}

}  // namespace ambient::api
