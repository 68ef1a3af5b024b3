#pragma once
// Follows one collection of the API server (sessions or projects) for the reconciler: opens
// `GET /api/ambient/v1/<resource>?watch=true`, lists the collection once the stream's headers
// are in (so the stream covers every change the list might miss), then turns each frame into
// a WatchEvent. On a dropped stream it reconnects with `Last-Event-ID` and backoff; on a
// `RESYNC` frame (its resume point was pruned) it lists again. No polling.
//
// A stream never stops silently: one that goes quiet for idle_timeout (no event, no ping),
// ends with an `ERROR` frame (the server's database failed the stream), breaks or is closed
// by the server is resumed, and counted by why it ended (docs/operations.md, "Streams that
// stall").
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
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
    // The server pings after 30 s without changes (kPingInterval in api/watch.cpp): three
    // intervals without a byte mean a dead or stuck peer, and the stream is replaced.
    std::chrono::milliseconds idle_timeout{90000};
    int page_size = 500;
    // A number in [0, 1) for the backoff's jitter; injected so tests are deterministic.
    std::function<double()> random;
};

// The delay before reconnect attempt `attempt` (0-based): initial·2^attempt, at most `max`,
// then scaled by a jitter factor in [0.75, 1.25) from `unit_random` in [0, 1).
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                        double unit_random);

// Why a stream that had opened ended, other than being stopped by us.
enum class StreamFault { Stalled, ErrorEvent, Closed, Broken, Malformed };
inline constexpr std::array<StreamFault, 5> kStreamFaults = {
    StreamFault::Stalled, StreamFault::ErrorEvent, StreamFault::Closed, StreamFault::Broken, StreamFault::Malformed};
// "stalled", "error_event", "closed", "broken", "malformed": the metric's `reason` label.
const char* stream_fault_name(StreamFault fault);

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
    // 1 while a stream is open, else 0.
    std::uint64_t streams_open() const { return stream_open_.load() ? 1 : 0; }
    // Streams opened with Last-Event-ID, continuing where an earlier one ended.
    std::uint64_t streams_resumed() const { return resumed_.load(); }
    std::uint64_t streams_ended(StreamFault fault) const { return ended_[static_cast<std::size_t>(fault)].load(); }

private:
    // Lists every page and queues the objects, then Synced. False (nothing queued) on failure.
    bool list_all(const std::string& token);
    // One frame of the stream; false when the stream must be dropped (an error event, a
    // malformed frame, or a list after RESYNC failed), with `fault` set for the first two.
    bool on_frame(const std::string& event_name, const std::string& data, const std::string& id,
                  const std::string& token, std::optional<StreamFault>& fault);
    // Counts and logs the end of a stream that had opened.
    void ended(StreamFault fault, const std::string& detail);
    void sleep(std::chrono::milliseconds delay, const std::atomic<bool>& stop) const;

    const client::HttpClient& api_;
    Resource resource_;
    TokenSource token_;
    EventQueue& queue_;
    WatchOptions options_;
    std::atomic<std::uint64_t> lists_{0};
    std::atomic<std::uint64_t> connections_{0};
    std::atomic<std::int64_t> last_event_id_{0};  // 0: none yet, the next connection lists
    std::atomic<bool> stream_open_{false};
    std::atomic<std::uint64_t> resumed_{0};
    std::array<std::atomic<std::uint64_t>, kStreamFaults.size()> ended_{};
};

}  // namespace ambient::controlplane
