#include "api/audit/audit_upkeep.hpp"

#include <spdlog/spdlog.h>

#include "api/audit/audit_retention.hpp"
#include "api/background_thread.hpp"

namespace ambient::api {
namespace {

constexpr std::chrono::seconds kSummaryInterval{5};
constexpr std::chrono::hours kPruneInterval{1};

}  // namespace

AuditUpkeep::AuditUpkeep(store::Database& db, DeniedReadLimiter& limiter, std::chrono::seconds retention)
    : db_(db), limiter_(limiter), retention_(retention) {
    prune();
    thread_ = start_background_thread([this] { run(); });
}

AuditUpkeep::~AuditUpkeep() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
    write_summaries();  // what is owed at shutdown is still written
}

void AuditUpkeep::write_summaries() noexcept {
    const auto summaries = limiter_.take_quiet_summaries(DeniedReadLimiter::Clock::now());
    if (summaries.empty()) return;
    try {
        auto lease = db_.acquire();
        store::Transaction tx(lease, store::TxMode::Write);
        for (const auto& record : summaries)
            write_audit(*lease, record);
        tx.commit();
    } catch (const std::exception& e) {
        spdlog::error("could not write {} audit summaries of denied token reads: {}", summaries.size(), e.what());
    }
}

void AuditUpkeep::prune() noexcept {
    if (retention_.count() == 0) return;
    try {
        auto lease = db_.acquire();
        const auto deleted = prune_audit_events(*lease, std::chrono::system_clock::now() - retention_);
        if (deleted > 0)
            spdlog::info("deleted {} audit events older than {} s (--audit-retention)", deleted, retention_.count());
    } catch (const std::exception& e) {
        spdlog::warn("pruning audit events failed: {}", e.what());
    }
}

void AuditUpkeep::run() {
    auto last_prune = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kSummaryInterval, [this] { return stop_; })) {
        lock.unlock();
        write_summaries();
        if (std::chrono::steady_clock::now() - last_prune >= kPruneInterval) {
            prune();
            last_prune = std::chrono::steady_clock::now();
        }
        lock.lock();
    }
}

}  // namespace ambient::api
