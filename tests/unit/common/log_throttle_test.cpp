#include "common/log_throttle.hpp"

#include <gtest/gtest.h>

namespace ambient {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottle, AdmitsOncePerIntervalAndCountsWhatItHeldBack) {
    LogThrottle throttle(30s);
    const LogThrottle::Clock::time_point t0{};
    EXPECT_EQ(throttle.admit(t0), 0u);
    EXPECT_EQ(throttle.admit(t0 + 1s), std::nullopt);
    EXPECT_EQ(throttle.admit(t0 + 29s), std::nullopt);
    // The next admitted occurrence reports the two held back, and starts a new interval.
    EXPECT_EQ(throttle.admit(t0 + 30s), 2u);
    EXPECT_EQ(throttle.admit(t0 + 59s), std::nullopt);
    EXPECT_EQ(throttle.admit(t0 + 90s), 1u);
}

}  // namespace
}  // namespace ambient
