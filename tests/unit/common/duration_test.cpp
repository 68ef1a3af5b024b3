// Durations in flags: seconds, or a whole number with s, m, h or d, up to a maximum.
#include "common/duration.hpp"

#include <gtest/gtest.h>

namespace ambient {
namespace {

using std::chrono::seconds;

TEST(Duration, SecondsOrAWholeNumberWithAUnit) {
    const seconds year{366 * 24 * 3600};
    EXPECT_EQ(parse_duration("900", year), seconds(900));
    EXPECT_EQ(parse_duration("900s", year), seconds(900));
    EXPECT_EQ(parse_duration("15m", year), seconds(900));
    EXPECT_EQ(parse_duration("12h", year), seconds(12 * 3600));
    EXPECT_EQ(parse_duration("90d", year), seconds(90 * 24 * 3600));
    EXPECT_EQ(parse_duration("0", year), seconds(0));
    for (const char* bad : {"", "-5", "+5", " 15m", "15 m", "1.5h", "15x", "m", "1w", "90days"}) {
        EXPECT_EQ(parse_duration(bad, year), std::nullopt) << bad;
    }
}

TEST(Duration, NothingPastTheMaximumNorAnOverflow) {
    EXPECT_EQ(parse_duration("24h", seconds(86400)), seconds(86400));
    EXPECT_EQ(parse_duration("1441m", seconds(86400)), std::nullopt);
    EXPECT_EQ(parse_duration("86401", seconds(86400)), std::nullopt);
    EXPECT_EQ(parse_duration("99999999999999999d", seconds(86400)), std::nullopt);
    EXPECT_EQ(parse_duration("99999999999999999999999", seconds(86400)), std::nullopt);
}

}  // namespace
}  // namespace ambient
