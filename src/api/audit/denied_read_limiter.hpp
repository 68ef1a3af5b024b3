#pragma once
// How many denied token reads get an audit row each. A refused read costs the caller one
// request and the server one row; without a limit a single principal fills the audit table
// as fast as it can send. Each principal has a token bucket (a burst, then a steady rate):
// a denial within it is written; one beyond it is only counted, and the count is written
// as one summary row — just before that principal's next written denial, or by
// take_quiet_summaries() once the principal has been quiet long enough to refill its bucket.
// Allowed reads are never limited (credentials.cpp audits each one). Thread-safe; the
// clock is passed in, so tests need no waiting.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/audit/audit_log.hpp"

namespace ambient::api {

class DeniedReadLimiter {
public:
    using Clock = std::chrono::steady_clock;

    struct Options {
        double burst = 20;               // rows written back to back
        double per_second = 1;           // rows per second after the burst
        std::size_t principals = 10000;  // principals tracked at once
    };

    DeniedReadLimiter() : DeniedReadLimiter(Options{}) {}
    explicit DeniedReadLimiter(Options options);

    struct Admission {
        bool write = false;  // write this denial's own row
        // Denials of this principal counted but not written since its last row: write a
        // summary of them (summary_record) before this denial's row.
        std::int64_t unwritten = 0;
    };
    // A denial by the principal of `record` (its actor is the key).
    Admission admit(const AuditRecord& record, Clock::time_point now);

    // The summary rows owed by principals that have stopped being denied (bucket full
    // again), which are then forgotten. For a background task to write.
    std::vector<AuditRecord> take_quiet_summaries(Clock::time_point now);

    // Denials counted and not written one by one, since the start (a metric).
    std::uint64_t suppressed_total() const;

private:
    struct Bucket {
        AuditRecord actor;  // who, for a summary row
        double tokens = 0;
        Clock::time_point refilled;
        std::int64_t unwritten = 0;
    };
    void refill(Bucket& bucket, Clock::time_point now) const;
    void forget_full_buckets(Clock::time_point now);

    const Options options_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
    std::uint64_t suppressed_total_ = 0;
};

// One row standing for `count` denied token reads of `actor` that were not written.
AuditRecord summary_record(const AuditRecord& actor, std::int64_t count);

}  // namespace ambient::api
