#pragma once
// A fake of any SSE route of the API server (a real HTTP server on 127.0.0.1) that plays one
// scripted reply per connection, to test what a reader does when its stream misbehaves.
// Each step is the bytes to send, then what to do: end the response, or stay silent with
// the connection open (a stalled peer: a half-open connection after a failover, a server
// stuck behind its database) until the client goes away or the server stops. Connections
// past the script get 503. Every stream request's target and Last-Event-ID are recorded. A
// request that does not accept text/event-stream (a list) gets `json_reply` (when given, else
// 406) and is neither scripted nor recorded.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/http/router.hpp"
#include "common/http/server.hpp"
#include "common/http/stream.hpp"

namespace ambient::testing {

class StallingSseServer {
public:
    struct Step {
        std::string body;
        bool stall = false;  // true: send `body`, then nothing, without closing
    };
    struct Seen {
        std::string target;         // path and query
        std::string last_event_id;  // "" when the header was absent
    };

    // `path` is the route served (e.g. "/api/ambient/v1/sessions"); any query is accepted.
    StallingSseServer(std::string path, std::vector<Step> script, std::string json_reply = {});
    ~StallingSseServer();
    StallingSseServer(const StallingSseServer&) = delete;
    StallingSseServer& operator=(const StallingSseServer&) = delete;

    std::string url() const;
    std::vector<Seen> requests() const;
    // Streams still being served (a stalled one until the client drops it).
    std::size_t open_streams() const;

    struct State;

private:
    std::shared_ptr<State> state_;
    http::Router router_;
    std::unique_ptr<http::Server> server_;
};

// Writes `body` (when not empty), then stays silent with the connection open until the
// client goes away or the server stops: a stalled stream, for fakes with routes of their own.
boost::asio::awaitable<void> write_then_stall(http::StreamWriter& writer, std::string body);

// An SSE event frame: "id: <id>\n" (when not empty), "event: <event>\n" (when not empty),
// "data: <data>\n\n".
std::string sse_frame(const std::string& id, const std::string& data, const std::string& event = {});

}  // namespace ambient::testing
