// Reading a token's exp without verifying it: JWTs, opaque tokens, and times no clock holds.
#include "cli/jwt_claims.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "common/jwt/base64url.hpp"

namespace ambient::cli {
namespace {

using Clock = std::chrono::system_clock;

std::string token_with(const std::string& payload) {
    return jwt::base64url_encode(R"({"alg":"ES256"})") + "." + jwt::base64url_encode(payload) + ".c2ln";
}

TEST(JwtClaims, ExpiryOfAJwtAndNoneOfAnOpaqueToken) {
    EXPECT_EQ(token_expiry(token_with(R"({"exp":1764340000})")), Clock::time_point(std::chrono::seconds(1764340000)));
    EXPECT_FALSE(token_expiry("sha256~opaque"));
    EXPECT_FALSE(token_expiry(token_with(R"({"exp":"soon"})")));
    EXPECT_FALSE(token_expiry(token_with("[1]")));
}

// An exp past what the clock can hold is its far end, not an overflow (found by the fuzzer).
TEST(JwtClaims, TimesBeyondTheClockAreClamped) {
    const auto far = token_expiry(token_with(R"({"exp":1e300})"));
    ASSERT_TRUE(far);
    EXPECT_GT(*far, Clock::now() + std::chrono::hours(24 * 365 * 200));
    const auto past = token_expiry(token_with(R"({"exp":-9223372036854775807})"));
    ASSERT_TRUE(past);
    EXPECT_LT(*past, Clock::time_point());
    EXPECT_FALSE(rfc3339_seconds(*far).empty());
}

}  // namespace
}  // namespace ambient::cli
