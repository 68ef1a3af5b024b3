#pragma once
// The delivery run: N readers hold one SSE stream each; M messages are published one at a
// time, each carrying its index and send time ("bench_k", "bench_t_ns", steady clock), and
// the next goes out once every open reader has received the previous one (or its deadline
// passed). Each reader's delivery latency is its receive time minus the send time, in this
// process, on one clock.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "http_url.hpp"
#include "sse_connections.hpp"

namespace bench {

struct DeliveryOptions {
    std::string label;
    SseConnectionsOptions readers;
    HttpUrl publish_url;
    std::vector<std::string> publish_headers;
    // false: the POST body is the timestamp JSON itself (the bare broadcaster);
    // true: it is a session message whose "payload" string holds that JSON (ambient-api-server).
    bool as_session_message = false;
    std::size_t messages = 20;
    std::chrono::milliseconds deadline{10000};  // per message, from its send time
    pid_t server_pid = 0;                       // 0: no RSS or CPU figures
};

// Prints human-readable lines and one "RESULT {json}" line to stdout; returns the exit status
// (0 also when deliveries were missed: that is a result, not an error of the tool).
int run_delivery(const DeliveryOptions& options);

}  // namespace bench
