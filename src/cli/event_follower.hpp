#pragma once
// Following a server-sent-event route of the API server for as long as it takes, losing and
// doubling nothing: each event's `id:` is remembered, and when the stream drops (the server
// restarts, the network breaks, a token expires, nothing arrives — not even a ping — for the
// idle timeout) it is opened again with `Last-Event-ID: <that id>`, after a backoff of 250 ms
// doubling to 4 s, which starts afresh once a connection is made. The server replays from that
// id, so the follower sees every later event once.
//
// Failures: the first request's refusal is the command's error (404 → exit 2, 502 "session has
// no runner" → exit 5, …), as is a later 4xx (a deleted session, a token no longer accepted);
// once connected, an unreachable server, 5xx and 429 are waited out.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/api.hpp"

namespace ambient::cli {

struct SseEvent {
    std::string id;     // "" when the event had no id line
    std::string event;  // the `event:` field ("" for a plain message)
    std::string data;   // the data lines, joined with '\n'
};

// Splits a stream of bytes into events (the WHATWG rules acpctl needs: LF or CRLF line ends,
// comments, data lines joined, a field's one leading space dropped). An event is complete at
// its blank line; the bytes of an unfinished one wait for the next feed.
class SseParser {
public:
    std::vector<SseEvent> feed(std::string_view bytes);

private:
    void take_line(std::string_view line, std::vector<SseEvent>& done);

    std::string pending_;  // bytes after the last line end
    SseEvent current_;
    bool has_data_ = false;
};

enum class FollowVerdict { Continue, Stop };

struct FollowRequest {
    std::string path;           // under /api/ambient/v1, with any query
    std::string last_event_id;  // where to resume from ("" for the route's own start)
    std::string context;        // starts an error line: "follow messages of session \"x\""
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(65)};
};

// Reads the stream until `on_event` answers Stop (returns normally) or `stop` is set (returns
// normally). `make_api` gives the client for each connection, so a renewed token is used when
// the old one expired. `on_event` may throw (a CliError ends the command); it is never called
// for an event that a drop cut short.
void follow_stream(const std::function<Api()>& make_api, FollowRequest request,
                   const std::function<FollowVerdict(const SseEvent&)>& on_event, const std::atomic<bool>& stop);

// Set by SIGINT and SIGTERM once this was first called (the handler is installed then): the
// follow commands end quietly, exit 0, on Ctrl-C.
const std::atomic<bool>& interrupted();

}  // namespace ambient::cli
