#pragma once
// Bounds the events table, by count (--event-retention-count) and by age
// (--event-retention-age). Watch streams resume from an event id; once the events after a
// client's id have been pruned it is told to list again (RESYNC) instead of silently missing
// changes, so pruning only costs a re-list. The newest event is always kept, however old: it
// tells a resuming client that its id is not from the future.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include "api/store/database.hpp"

namespace ambient::api {

inline constexpr std::int64_t kDefaultEventRetentionCount = 100000;
// A week: a watcher away longer than that lists again, and a quiet server's table does not
// keep a year of history only because the count was never reached.
inline constexpr std::string_view kDefaultEventRetentionAge = "7d";

// "7d", "12h", "30m", "45s" or plain seconds; "0" and "" mean no age limit (zero). nullopt
// for anything else, or for more than 100 years.
std::optional<std::chrono::seconds> parse_event_retention_age(std::string_view text);

// Deletes all but the newest `keep` (at least 1) events; returns how many were deleted.
std::int64_t prune_events(store::Connection& conn, std::int64_t keep);

// Deletes the events created before `cutoff`, except the newest event, a batch per
// transaction so that writers never wait long; returns how many were deleted. What is kept
// stays a run of consecutive ids, which is how a resuming watcher learns that it missed some
// (streams/event_rows.hpp): when clocks disagree, an event a little younger than the cutoff
// but older by id than one past it goes too.
std::int64_t prune_events_before(store::Connection& conn, std::chrono::system_clock::time_point cutoff);

// Keeps the newest `keep` events, and of those only the ones younger than `max_age` (zero:
// no age limit): prunes at construction, then every `period` on a background thread, and
// after writes (after_write) so that the count holds without waiting for the next period.
class EventRetention {
public:
    EventRetention(store::Database& db, std::int64_t keep, std::chrono::seconds max_age = std::chrono::seconds(0),
                   std::chrono::seconds period = std::chrono::seconds(60));
    ~EventRetention();
    EventRetention(const EventRetention&) = delete;
    EventRetention& operator=(const EventRetention&) = delete;

    // Called after each committed write. Prunes on every max(1, keep / 100)-th call: a
    // small limit is enforced at once, a large one costs one DELETE per many writes.
    void after_write();
    // Prunes now; logs and swallows storage errors (a failed prune is retried later).
    void prune() noexcept;

    std::int64_t keep() const { return keep_; }
    std::chrono::seconds max_age() const { return max_age_; }

private:
    void run();

    store::Database& db_;
    const std::int64_t keep_;
    const std::chrono::seconds max_age_;
    const std::int64_t writes_per_prune_;
    const std::chrono::seconds period_;
    std::atomic<std::int64_t> writes_{0};

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace ambient::api
