#pragma once
// The idle-watcher run: what streams that a write does not concern cost the server.
//
//   1. K writes with no stream open (each followed by a wait until the server is idle, so
//      that every write's wake-ups are paid for before the next, never coalesced);
//   2. W streams opened; the server's RSS before and after, divided by W;
//   3. the server's CPU over a few seconds with the streams open and nothing written;
//   4. the same K writes with the W streams open;
//   5. the streams closed by the client; a few seconds later, how many descriptors the
//      server still holds for them (a server that notices a departed reader only when a
//      write to it fails keeps them, and keeps waking them).
//
// Idle-watcher CPU per write = (4 - 1) / K. There is no second baseline after 4: streams
// the server still holds would be in it. With K = 0 only the memory is measured (for the
// bare broadcaster, which has no writes).
#include <sys/types.h>

#include <string>
#include <vector>

#include "http_url.hpp"
#include "sse_connections.hpp"

namespace bench {

struct IdleOptions {
    std::string label;
    SseConnectionsOptions watchers;
    HttpUrl write_url;
    std::vector<std::string> write_headers;
    std::string write_body;  // JSON; every "{n}" is replaced by a number unique to the write
    std::size_t writes = 200;
    pid_t server_pid = 0;  // required
};

// Prints human-readable lines and one "RESULT {json}" line; returns the exit status.
int run_idle(const IdleOptions& options);

}  // namespace bench
