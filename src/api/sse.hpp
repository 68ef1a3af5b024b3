#pragma once
// Server-sent events framing and the response that carries a stream.
#include <string>
#include <string_view>

#include "common/http/message.hpp"

namespace ambient::api {

// "id: <id>\n" (when id is not empty), "event: <event>\n" (when not empty), one "data: " line
// per line of `data`, then a blank line.
std::string sse_event(std::string_view id, std::string_view data, std::string_view event = {});
inline constexpr std::string_view kSsePing = ": ping\n\n";

// 200 text/event-stream with no-cache headers, produced by `producer`.
http::Response sse_response(http::StreamProducer producer);

// True when the client asked for a stream (Accept names text/event-stream).
bool wants_event_stream(const http::Request& req);

}  // namespace ambient::api
