#include "api/event_retention.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "api/background_thread.hpp"
#include "common/duration.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

constexpr std::int64_t kAgeBatch = 5000;

}  // namespace

std::optional<std::chrono::seconds> parse_event_retention_age(std::string_view text) {
    return parse_retention_age(text);
}

std::int64_t prune_events_before(store::Connection& conn, std::chrono::system_clock::time_point cutoff) {
    // Up to the event created last before the cutoff (idx_events_created_at finds it), all
    // by id: clocks of replicas may disagree a little, and deleting by created_at alone could
    // leave a hole that a resuming watcher would silently skip.
    const auto last_old =
        conn.exec("SELECT id FROM events WHERE created_at < ? ORDER BY created_at DESC, id DESC LIMIT 1",
                  {format_rfc3339(cutoff)});
    if (last_old.rows.empty()) return 0;
    const auto upto = std::get<std::int64_t>(last_old.rows[0][0]);
    std::int64_t deleted = 0;
    for (;;) {
        store::Transaction tx(conn, store::TxMode::Write);
        const auto rs = conn.exec(
            "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id <= ? "
            "AND id < (SELECT MAX(id) FROM events) ORDER BY id LIMIT ?)",
            {upto, kAgeBatch});
        tx.commit();
        deleted += rs.affected_rows;
        if (rs.affected_rows < kAgeBatch) return deleted;
    }
}

std::int64_t prune_events(store::Connection& conn, std::int64_t keep) {
    keep = std::max<std::int64_t>(keep, 1);
    store::Transaction tx(conn, store::TxMode::Write);
    const auto rs = conn.exec("DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?", {keep});
    tx.commit();
    return rs.affected_rows;
}

EventRetention::EventRetention(store::Database& db, std::int64_t keep, std::chrono::seconds max_age,
                               std::chrono::seconds period)
    : db_(db),
      keep_(std::max<std::int64_t>(keep, 1)),
      max_age_(std::max(max_age, std::chrono::seconds{0})),
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
        if (max_age_.count() == 0) return;
        const auto cutoff = std::chrono::system_clock::now() - max_age_;
        if (const auto deleted = prune_events_before(*lease, cutoff); deleted > 0) {
            spdlog::debug("pruned {} events older than {} s", deleted, max_age_.count());
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
