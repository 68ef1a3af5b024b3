#pragma once
// Requests of the API server to a session's runner, and the relay of its answer: the events
// proxy (resources/session_events.cpp) and the AG-UI proxies (resources/session_agui.cpp).
//
// The runner is found at the scheme, host and port of the session's runner_url (written by
// the control plane, checked on write and again here); the connection never goes to a
// link-local or metadata address, and over https the runner's certificate must verify
// (http::StreamClient). Every request carries `Authorization: Bearer <proxy token>`, a JWT
// minted for that one request (RunnerTokens::issue_proxy_token: 60 s, this session), the only
// thing the runner's AG-UI server accepts.
#include <memory>
#include <string>

#include "api/context.hpp"
#include "api/model/row.hpp"
#include "api/streams/stream_quota.hpp"
#include "common/http/message.hpp"
#include "common/http/stream_client.hpp"
#include "common/http/upstream_origin.hpp"

namespace ambient::api {

struct RunnerRequest {
    std::string method = "GET";  // GET or POST
    std::string target;          // a path the caller built from checked parts, e.g. "/events/<id>"
    http::HeaderList headers;    // besides Authorization, which is added here
    std::string body;            // POST only
};

// The runner's origin from the session's runner_url; ApiError 502 when it has none or it is
// not usable.
http::UpstreamOrigin runner_origin(const model::Row& session);

// Opens `request` to the runner at `origin` for `session` (its id and project_id name the
// proxy token) and reads the answer's header, within 5 s. ApiError 502 when the runner is not
// reachable, its certificate is refused, or it answers other than 2xx; 503 when no proxy
// token can be minted.
std::shared_ptr<http::UpstreamResponse> open_runner(ApiContext& ctx, const http::UpstreamOrigin& origin,
                                                    const model::Row& session, RunnerRequest request);

// 200 text/event-stream relaying the runner's body as it arrives, with `: ping` after 15 s of
// quiet between events, until the runner ends it, the client leaves, or the caller's token
// expires or its `permission` on the session goes. `ticket` (streams::admit_stream, taken
// before the runner was asked) is held for as long.
http::Response relay_response(ApiContext& ctx, const http::Request& req, const std::string& session_id,
                              const std::string& permission, std::shared_ptr<http::UpstreamResponse> upstream,
                              std::shared_ptr<streams::StreamQuota::Ticket> ticket);

}  // namespace ambient::api
