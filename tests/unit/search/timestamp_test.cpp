#include "api/search/timestamp.hpp"

#include <gtest/gtest.h>

namespace ambient::search {
namespace {

TEST(NormalizeTimestamp, ProducesUtcMicrosecondText) {
    const std::pair<const char*, const char*> cases[] = {
        {"2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000000Z"},
        {"2026-01-01", "2026-01-01T00:00:00.000000Z"},
        {"2026-01-01 12:30", "2026-01-01T12:30:00.000000Z"},
        {"2026-01-01t12:30:15.5z", "2026-01-01T12:30:15.500000Z"},
        {"2026-01-01T12:30:15.123456789Z", "2026-01-01T12:30:15.123456Z"},
        {"2026-01-01T01:00:00+02:00", "2025-12-31T23:00:00.000000Z"},
        {"2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00.000000Z"},
        {"2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000000Z"},
        {"2026-11-28T14:55:00.123456Z", "2026-11-28T14:55:00.123456Z"},
    };
    for (const auto& [in, out] : cases)
        EXPECT_EQ(normalize_timestamp(in).value_or("<none>"), out) << in;
}

TEST(NormalizeTimestamp, RefusesWhatIsNotATimestamp) {
    for (const char* in :
         {"", "yesterday", "2026-13-01", "2026-02-30", "2025-02-29", "2026-01-01T24:00:00Z", "2026-01-01T12",
          "2026-01-01T12:00:00.Z", "2026-01-01T12:00:00+25:00", "2026-01-01T12:00:00Z junk", "26-01-01", "2026-1-01"}) {
        EXPECT_FALSE(normalize_timestamp(in).has_value()) << in;
    }
}

}  // namespace
}  // namespace ambient::search
