#include "api/event_retention.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "api/background_thread.hpp"

namespace ambient::api {

std::int64_t prune_events(store::Connection& conn, std::int64_t keep) {
    keep = std::max<std::int64_t>(keep, 1);
    store::Transaction tx(conn, store::TxMode::Write);
    const auto rs = conn.exec("DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?", {keep});
    tx.commit();
    return rs.affected_rows;
}

EventRetention::EventRetention(store::Database& db, std::int64_t keep, std::chrono::seconds period)
    : db_(db),
      keep_(std::max<std::int64_t>(keep, 1)),
      writes_per_prune_(std::max<std::int64_t>(keep_ / 100, 1)),
      period_(period) {
    prune();
    thread_ = start_background_thread([this] { run(); });
}

EventRetention::~EventRetention() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void EventRetention::after_write() {
    if (writes_.fetch_add(1, std::memory_order_relaxed) % writes_per_prune_ == writes_per_prune_ - 1) prune();
}

void EventRetention::prune() noexcept {
    try {
        auto lease = db_.acquire();
        if (const auto deleted = prune_events(*lease, keep_); deleted > 0) {
            spdlog::debug("pruned {} events (keeping the newest {})", deleted, keep_);
        }
    } catch (const std::exception& e) {
        spdlog::warn("pruning events failed: {}", e.what());
    }
}

void EventRetention::run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period_, [this] { return stop_; })) {
        lock.unlock();
        prune();
        lock.lock();
    }
}

}  // namespace ambient::api
