#pragma once
// One GET of an SSE stream over a plain socket, event by event, until the caller has seen
// enough: the timing of bench-runner-client's capture and read runs.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../sse_fanout/http_url.hpp"

namespace bench {

struct ReadRequest {
    HttpUrl url;
    std::vector<std::string> headers;          // "Name: value"
    std::optional<std::string> last_event_id;  // sent as Last-Event-ID
    std::chrono::milliseconds timeout{30000};  // with no byte received
    // > 0: once events have come, this long without one ends the read (not an error): the
    // end of a replay on a stream that then only pings.
    std::chrono::milliseconds quiet{0};
};

struct ReadOutcome {
    int status = 0;
    std::uint64_t events = 0;
    std::uint64_t bytes = 0;    // read from the socket: head, chunk framing and events
    double first_event_ms = 0;  // from connecting to the first event
    double last_event_ms = 0;   // … to the last one the caller wanted (or the last one)
    bool went_quiet = false;    // ended by `quiet`
    std::string error;          // empty when the caller stopped the read, or it went quiet
};

// Calls on_event(id, data) for each event; stops when it returns false. The stream ending,
// a non-2xx status or a quiet socket ends the read with `error` set.
ReadOutcome read_events(const ReadRequest& request,
                        const std::function<bool(std::string_view id, std::string_view data)>& on_event);

}  // namespace bench
