#pragma once
// Follows one collection of the API server (sessions or projects) for the reconciler: opens
// `GET /api/ambient/v1/<resource>?watch=true`, lists the collection once the stream's headers
// are in (so the stream covers every change the list might miss), then turns each frame into
// a WatchEvent. On a dropped stream, or an `ERROR` frame (the server's database failed the
// stream), it reconnects with `Last-Event-ID` and backoff; on a `RESYNC` frame (its resume
// point was pruned) it lists again. No polling.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/client/http_client.hpp"
#include "controlplane/watch_event.hpp"

namespace ambient::controlplane {

// The service token, fetched again for every connection and list (a token file may be
// rotated under us). Throws std::runtime_error when there is none.
using TokenSource = std::function<std::string()>;

struct WatchOptions {
    std::chrono::milliseconds backoff_initial{500};
    std::chrono::milliseconds backoff_max{30000};
    // The server pings after 30 s without changes; silence for longer means a dead peer.
    std::chrono::milliseconds idle_timeout{75000};
    int page_size = 500;
    // A number in [0, 1) for the backoff's jitter; injected so tests are deterministic.
    std::function<double()> random;
};

// The delay before reconnect attempt `attempt` (0-based): initial·2^attempt, at most `max`,
// then scaled by a jitter factor in [0.75, 1.25) from `unit_random` in [0, 1).
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                        double unit_random);

class WatchClient {
public:
    WatchClient(const client::HttpClient& api, Resource resource, TokenSource token, EventQueue& queue,
                WatchOptions options = {});

    // Lists and watches until `stop` is set. Never throws: failures are logged and retried.
    void run(const std::atomic<bool>& stop);

    // For metrics and tests.
    std::uint64_t lists() const { return lists_.load(); }
    std::uint64_t connections() const { return connections_.load(); }
    std::int64_t last_event_id() const { return last_event_id_.load(); }

private:
    // Lists every page and queues the objects, then Synced. False (nothing queued) on failure.
    bool list_all(const std::string& token);
    // One frame of the stream; false when the stream must be dropped (malformed, or a list
    // after RESYNC failed).
    bool on_frame(const std::string& event_name, const std::string& data, const std::string& id,
                  const std::string& token);
    void sleep(std::chrono::milliseconds delay, const std::atomic<bool>& stop) const;

    const client::HttpClient& api_;
    Resource resource_;
    TokenSource token_;
    EventQueue& queue_;
    WatchOptions options_;
    std::atomic<std::uint64_t> lists_{0};
    std::atomic<std::uint64_t> connections_{0};
    std::atomic<std::int64_t> last_event_id_{0};  // 0: none yet, the next connection lists
};

}  // namespace ambient::controlplane
