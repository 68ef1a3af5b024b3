#include "api/audit/denied_read_limiter.hpp"

#include <algorithm>
#include <utility>

namespace ambient::api {

DeniedReadLimiter::DeniedReadLimiter(Options options) : options_(options) {}

void DeniedReadLimiter::refill(Bucket& bucket, Clock::time_point now) const {
    const std::chrono::duration<double> elapsed = now - bucket.refilled;
    if (elapsed.count() > 0) {
        bucket.tokens = std::min(options_.burst, bucket.tokens + elapsed.count() * options_.per_second);
        bucket.refilled = now;
    }
}

// A full bucket with nothing owed is the same as no bucket.
void DeniedReadLimiter::forget_full_buckets(Clock::time_point now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        refill(it->second, now);
        if (it->second.unwritten == 0 && it->second.tokens >= options_.burst) {
            it = buckets_.erase(it);
        } else {
            ++it;
        }
    }
}

DeniedReadLimiter::Admission DeniedReadLimiter::admit(const AuditRecord& record, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(record.actor);
    if (it == buckets_.end()) {
        if (buckets_.size() >= options_.principals) forget_full_buckets(now);
        // Still no room (that many principals denied at once): record rather than lose.
        if (buckets_.size() >= options_.principals) return {true, 0};
        AuditRecord actor;
        actor.actor = record.actor;
        actor.actor_kind = record.actor_kind;
        actor.session_id = record.session_id;
        it = buckets_.emplace(record.actor, Bucket{std::move(actor), options_.burst, now, 0}).first;
    }
    auto& bucket = it->second;
    refill(bucket, now);
    if (bucket.tokens < 1) {
        ++bucket.unwritten;
        ++suppressed_total_;
        return {false, 0};
    }
    bucket.tokens -= 1;
    return {true, std::exchange(bucket.unwritten, 0)};
}

std::vector<AuditRecord> DeniedReadLimiter::take_quiet_summaries(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    std::vector<AuditRecord> out;
    for (auto& [actor, bucket] : buckets_) {
        refill(bucket, now);
        if (bucket.unwritten > 0 && bucket.tokens >= options_.burst) {
            out.push_back(summary_record(bucket.actor, bucket.unwritten));
            bucket.unwritten = 0;
        }
    }
    forget_full_buckets(now);
    return out;
}

std::uint64_t DeniedReadLimiter::suppressed_total() const {
    std::lock_guard lock(mutex_);
    return suppressed_total_;
}

AuditRecord summary_record(const AuditRecord& actor, std::int64_t count) {
    AuditRecord record;
    record.actor = actor.actor;
    record.actor_kind = actor.actor_kind;
    record.session_id = actor.session_id;
    record.target_kind = "credential";
    record.action = "fetch_token";
    record.outcome = kAuditDenied;
    record.reason = std::to_string(count) + " more denied token reads, not recorded one by one (rate limit)";
    return record;
}

}  // namespace ambient::api
