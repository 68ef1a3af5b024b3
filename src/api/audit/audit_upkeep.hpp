#pragma once
// The audit table's background work, on a thread of its own: writes the summary rows the
// denied-read limiter owes (principals that stopped being denied), every few seconds, and
// deletes rows older than the retention (--audit-retention), at start and then hourly.
// Storage errors are logged and retried on the next round.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api/audit/denied_read_limiter.hpp"
#include "api/store/database.hpp"

namespace ambient::api {

class AuditUpkeep {
public:
    // `retention` zero: rows are kept forever. `db` and `limiter` outlive this object.
    AuditUpkeep(store::Database& db, DeniedReadLimiter& limiter, std::chrono::seconds retention);
    ~AuditUpkeep();
    AuditUpkeep(const AuditUpkeep&) = delete;
    AuditUpkeep& operator=(const AuditUpkeep&) = delete;

    void write_summaries() noexcept;
    void prune() noexcept;

private:
    void run();

    store::Database& db_;
    DeniedReadLimiter& limiter_;
    const std::chrono::seconds retention_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace ambient::api
