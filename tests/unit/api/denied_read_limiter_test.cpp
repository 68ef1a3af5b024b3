// The per-principal budget of audit rows for denied token reads, on a clock the test moves.
#include <gtest/gtest.h>

#include "api/audit/denied_read_limiter.hpp"

namespace ambient::api {
namespace {

using namespace std::chrono_literals;
using Clock = DeniedReadLimiter::Clock;

AuditRecord denial(const std::string& actor) {
    AuditRecord r;
    r.actor = actor;
    r.actor_kind = "user";
    r.target_kind = "credential";
    r.target_id = "c1";
    r.action = "fetch_token";
    r.outcome = kAuditDenied;
    return r;
}

TEST(DeniedReadLimiter, ABurstIsWrittenThenOnlyCounted) {
    DeniedReadLimiter limiter({.burst = 20, .per_second = 1});
    const auto t0 = Clock::now();
    for (int i = 0; i < 20; ++i) {
        const auto a = limiter.admit(denial("mallory"), t0);
        EXPECT_TRUE(a.write) << i;
        EXPECT_EQ(a.unwritten, 0);
    }
    for (int i = 0; i < 180; ++i)
        EXPECT_FALSE(limiter.admit(denial("mallory"), t0).write);
    EXPECT_EQ(limiter.suppressed_total(), 180u);
    // Another principal has its own bucket.
    EXPECT_TRUE(limiter.admit(denial("alice"), t0).write);
}

TEST(DeniedReadLimiter, TheNextWrittenDenialCarriesTheCountOfTheUnwritten) {
    DeniedReadLimiter limiter({.burst = 2, .per_second = 1});
    const auto t0 = Clock::now();
    limiter.admit(denial("mallory"), t0);
    limiter.admit(denial("mallory"), t0);
    for (int i = 0; i < 5; ++i)
        EXPECT_FALSE(limiter.admit(denial("mallory"), t0 + 100ms).write);
    const auto a = limiter.admit(denial("mallory"), t0 + 1100ms);  // one token back
    EXPECT_TRUE(a.write);
    EXPECT_EQ(a.unwritten, 5);
    EXPECT_FALSE(limiter.admit(denial("mallory"), t0 + 1200ms).write);
    EXPECT_EQ(limiter.suppressed_total(), 6u);
}

TEST(DeniedReadLimiter, AQuietPrincipalsCountBecomesASummaryOnce) {
    DeniedReadLimiter limiter({.burst = 3, .per_second = 1});
    const auto t0 = Clock::now();
    for (int i = 0; i < 10; ++i)
        limiter.admit(denial("mallory"), t0);
    EXPECT_TRUE(limiter.take_quiet_summaries(t0 + 1s).empty());  // not refilled yet
    const auto summaries = limiter.take_quiet_summaries(t0 + 4s);
    ASSERT_EQ(summaries.size(), 1u);
    EXPECT_EQ(summaries[0].actor, "mallory");
    EXPECT_EQ(summaries[0].actor_kind, "user");
    EXPECT_EQ(summaries[0].outcome, kAuditDenied);
    EXPECT_EQ(summaries[0].action, "fetch_token");
    EXPECT_TRUE(summaries[0].target_id.empty());
    EXPECT_NE(summaries[0].reason.find("7 more denied token reads"), std::string::npos) << summaries[0].reason;
    EXPECT_TRUE(limiter.take_quiet_summaries(t0 + 10s).empty());
    // Forgotten: a fresh burst.
    EXPECT_EQ(limiter.admit(denial("mallory"), t0 + 10s).unwritten, 0);
}

TEST(DeniedReadLimiter, PrincipalsTrackedAreBoundedAndOverflowIsWrittenNotLost) {
    DeniedReadLimiter limiter({.burst = 1, .per_second = 1, .principals = 2});
    const auto t0 = Clock::now();
    limiter.admit(denial("a"), t0);
    limiter.admit(denial("a"), t0);  // a owes one
    limiter.admit(denial("b"), t0);
    limiter.admit(denial("b"), t0);  // b owes one
    EXPECT_TRUE(limiter.admit(denial("c"), t0).write);
    EXPECT_TRUE(limiter.admit(denial("c"), t0).write);  // untracked: every denial written
    // Once a and b are quiet and summarised, c gets a bucket.
    EXPECT_EQ(limiter.take_quiet_summaries(t0 + 5s).size(), 2u);
    limiter.admit(denial("c"), t0 + 5s);
    EXPECT_FALSE(limiter.admit(denial("c"), t0 + 5s).write);
}

}  // namespace
}  // namespace ambient::api
