// The cap on the streams one caller holds: per user and per runner, given back when a
// stream ends, never applied to service callers.
#include "api/streams/stream_quota.hpp"

#include <gtest/gtest.h>

#include "common/api_error.hpp"

namespace ambient::api::streams {
namespace {

Principal user(const std::string& name) {
    return {.kind = Principal::Kind::User, .username = name};
}

TEST(StreamQuota, EachUserHoldsAtMostTheCap) {
    StreamQuota quota(2);
    auto a1 = quota.acquire(user("a"));
    auto a2 = quota.acquire(user("a"));
    ASSERT_TRUE(a1 && a2);
    EXPECT_FALSE(quota.acquire(user("a")));
    EXPECT_TRUE(quota.acquire(user("b")));  // another caller has its own
    EXPECT_EQ(quota.held(user("a")), 2u);
    a1.reset();
    EXPECT_EQ(quota.held(user("a")), 1u);
    EXPECT_TRUE(quota.acquire(user("a")));
}

TEST(StreamQuota, RunnersAreCountedPerSessionAndServicesNotAtAll) {
    StreamQuota quota(1);
    Principal runner{.kind = Principal::Kind::Runner, .username = "runner:s1", .session_id = "s1"};
    auto r = quota.acquire(runner);
    ASSERT_TRUE(r);
    EXPECT_FALSE(quota.acquire(runner));
    Principal service{.kind = Principal::Kind::Service, .username = "svc"};
    std::vector<std::shared_ptr<StreamQuota::Ticket>> many;
    for (int i = 0; i < 10; ++i) {
        many.push_back(quota.acquire(service));
        EXPECT_TRUE(many.back());
    }
}

TEST(StreamQuota, AdmitRefusesPastTheCapWith429) {
    StreamQuota quota(1);
    auto first = admit_stream(&quota, user("a"));
    try {
        admit_stream(&quota, user("a"));
        FAIL() << "a second stream was admitted";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status(), 429);
    }
    EXPECT_EQ(admit_stream(nullptr, user("a")), nullptr);  // no quota: uncapped
}

}  // namespace
}  // namespace ambient::api::streams
