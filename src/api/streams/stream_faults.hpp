#pragma once
// Long-lived streams (watch, session messages, the events proxy) across database faults.
//
// A stream never stalls silently: while the database is away it keeps sending its pings,
// retries its own reads, and carries on from its last delivered id once the database is
// back (the fan-outs it waits on retry on their own, and the notifier re-LISTENs and wakes
// everything). A stream that cannot go on without the database — its access must be checked
// again and cannot be — ends with kDatabaseErrorFrame, and the client resumes with
// Last-Event-ID.
//
// StreamStats counts, for /metrics, the streams open, those that carried on across a fault,
// and those a fault ended.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <string_view>

namespace ambient::api::streams {

// How often a stream whose own read of the database failed tries again (resting, and
// pinging, in between).
inline constexpr std::chrono::seconds kReadRetryDelay{1};

// The last frame of a stream a database fault ends ("ERROR", like "RESYNC", is a named event
// so that a client reading only change frames is not misled by it).
inline constexpr std::string_view kDatabaseErrorFrame =
    "event: ERROR\ndata: {\"type\":\"ERROR\",\"reason\":\"database unavailable\"}\n\n";

class StreamStats {
public:
    // Counts one stream as open for its lifetime.
    class Open {
    public:
        explicit Open(StreamStats& stats) : stats_(&stats) { stats_->open_.fetch_add(1, std::memory_order_relaxed); }
        ~Open() { stats_->open_.fetch_sub(1, std::memory_order_relaxed); }
        Open(const Open&) = delete;
        Open& operator=(const Open&) = delete;

    private:
        StreamStats* stats_;
    };

    void count_resumed() { resumed_.fetch_add(1, std::memory_order_relaxed); }
    void count_ended_by_fault() { ended_by_fault_.fetch_add(1, std::memory_order_relaxed); }

    std::int64_t open() const { return open_.load(std::memory_order_relaxed); }
    std::uint64_t resumed() const { return resumed_.load(std::memory_order_relaxed); }
    std::uint64_t ended_by_fault() const { return ended_by_fault_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> open_{0};
    std::atomic<std::uint64_t> resumed_{0};
    std::atomic<std::uint64_t> ended_by_fault_{0};
};

// One stream's view of the faults it lived through, so that it counts as resumed once per
// fault, whether its own read failed or the fan-out it takes from did (`recoveries`: the
// fan-out's count of reads that succeeded after a failure).
class StreamFaults {
public:
    StreamFaults(StreamStats* stats, std::uint64_t recoveries) : stats_(stats), recoveries_(recoveries) {}

    // The stream's own read of the database failed (`what`: which stream, for the log). An
    // outage fails every stream that reads at once, and each retries every second: the log
    // gets one line per interval for all of them, with the count held back.
    void read_failed(std::string_view what, const std::exception& error);
    // The stream's own read succeeded, or it took from the fan-out, now at `recoveries`.
    void carried_on(std::uint64_t recoveries) {
        if (!faulted_ && recoveries == recoveries_) return;
        faulted_ = false;
        recoveries_ = recoveries;
        if (stats_ != nullptr) stats_->count_resumed();
    }

private:
    StreamStats* stats_;
    std::uint64_t recoveries_;
    bool faulted_ = false;
};

}  // namespace ambient::api::streams
