#pragma once
// The hold run: W streams opened and kept for a while, as long-lived clients keep them
// (bench/soak). Reports how many opened, how many the server ended early and why, and the
// events and pings they received.
#include "sse_connections.hpp"

#include <chrono>
#include <string>

namespace bench {

struct HoldOptions {
    std::string label;
    SseConnectionsOptions streams;
    std::chrono::seconds hold{60};
};

// Prints human-readable lines and one "RESULT {json}" line; returns 0 when every stream
// opened and stayed open for the whole hold, 1 otherwise.
int run_hold(const HoldOptions& options);

}  // namespace bench
