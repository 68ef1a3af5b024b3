#pragma once
// Bounds the events table. Watch streams resume from an event id; once the events after a
// client's id have been pruned it is told to list again (RESYNC) instead of silently missing
// changes, so pruning only costs a re-list. The newest event is always kept: it tells a
// resuming client that its id is not from the future.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "api/store/database.hpp"

namespace ambient::api {

inline constexpr std::int64_t kDefaultEventRetentionCount = 100000;

// Deletes all but the newest `keep` (at least 1) events; returns how many were deleted.
std::int64_t prune_events(store::Connection& conn, std::int64_t keep);

// Keeps the newest `keep` events: prunes at construction, then every `period` on a
// background thread, and after writes (after_write) so that the limit holds without waiting
// for the next period.
class EventRetention {
public:
    EventRetention(store::Database& db, std::int64_t keep, std::chrono::seconds period = std::chrono::seconds(60));
    ~EventRetention();
    EventRetention(const EventRetention&) = delete;
    EventRetention& operator=(const EventRetention&) = delete;

    // Called after each committed write. Prunes on every max(1, keep / 100)-th call: a
    // small limit is enforced at once, a large one costs one DELETE per many writes.
    void after_write();
    // Prunes now; logs and swallows storage errors (a failed prune is retried later).
    void prune() noexcept;

    std::int64_t keep() const { return keep_; }

private:
    void run();

    store::Database& db_;
    const std::int64_t keep_;
    const std::int64_t writes_per_prune_;
    const std::chrono::seconds period_;
    std::atomic<std::int64_t> writes_{0};

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace ambient::api
