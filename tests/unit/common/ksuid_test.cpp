#include "common/ksuid.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ambient {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

TEST(Ksuid, NewIdsAreTwentySevenBase62Characters) {
    for (int i = 0; i < 100; ++i) {
        const auto id = new_ksuid();
        EXPECT_EQ(id.size(), kKsuidLength);
        EXPECT_TRUE(is_ksuid(id)) << id;
    }
}

TEST(Ksuid, NewIdsAreUnique) {
    std::set<std::string> ids;
    for (int i = 0; i < 10000; ++i)
        ids.insert(new_ksuid());
    EXPECT_EQ(ids.size(), 10000u);
}

TEST(Ksuid, EncodesTheReferenceVectors) {
    // The all-zero and all-ones values bound the encoding.
    std::array<std::uint8_t, 16> zero{};
    EXPECT_EQ(make_ksuid(system_clock::time_point{seconds{1400000000}}, zero), "000000000000000000000000000");
    std::array<std::uint8_t, 16> ones;
    ones.fill(0xff);
    EXPECT_EQ(make_ksuid(system_clock::time_point{seconds{1400000000LL + 0xffffffffLL}}, ones),
              "aWgEPTl1tmebfsQzFP4bxwgy80V");
}

TEST(Ksuid, IdsSortByCreationTime) {
    std::array<std::uint8_t, 16> high;
    high.fill(0xff);
    std::array<std::uint8_t, 16> low{};
    const auto earlier = make_ksuid(system_clock::time_point{seconds{1700000000}}, high);
    const auto later = make_ksuid(system_clock::time_point{seconds{1700000001}}, low);
    EXPECT_LT(earlier, later);
}

TEST(Ksuid, TimeRoundTrips) {
    const auto t = system_clock::time_point{seconds{1764340000}};
    std::array<std::uint8_t, 16> payload;
    payload.fill(0x5a);
    EXPECT_EQ(ksuid_time(make_ksuid(t, payload)), t);
}

TEST(Ksuid, DecodeInvertsEncode) {
    std::array<std::uint8_t, 16> payload;
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<std::uint8_t>(i * 17 + 3);
    const auto id = make_ksuid(system_clock::time_point{seconds{1764340000}}, payload);
    const auto bytes = decode_ksuid(id);
    ASSERT_TRUE(bytes.has_value());
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), bytes->begin() + 4));
    EXPECT_FALSE(decode_ksuid("not-a-ksuid").has_value());
}

TEST(Ksuid, RejectsMalformedIds) {
    EXPECT_FALSE(is_ksuid(""));
    EXPECT_FALSE(is_ksuid("00000000000000000000000000"));    // 26
    EXPECT_FALSE(is_ksuid("0000000000000000000000000000"));  // 28
    EXPECT_FALSE(is_ksuid("00000000000000000000000000-"));
    EXPECT_FALSE(is_ksuid("aWgEPTl1tmebfsQzFP4bxwgy80W"));  // overflows 160 bits
    EXPECT_FALSE(is_ksuid("zzzzzzzzzzzzzzzzzzzzzzzzzzz"));
}

}  // namespace
}  // namespace ambient
