#include "api/auth/service_tokens.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ambient::api {
namespace {

const std::string kFirst = "first-service-token-0123456789abcdef";
const std::string kSecond = "second-service-token-0123456789abcdef";

TEST(ServiceTokens, MatchesEveryAddedTokenAndNothingElse) {
    ServiceTokens tokens;
    tokens.add(kFirst);
    tokens.add(kSecond);
    EXPECT_TRUE(tokens.matches(kFirst));
    EXPECT_TRUE(tokens.matches(kSecond));
    EXPECT_FALSE(tokens.matches(""));
    EXPECT_FALSE(tokens.matches(kFirst.substr(0, kFirst.size() - 1)));
    EXPECT_FALSE(tokens.matches(kFirst + "x"));
    std::string flipped = kSecond;
    flipped[5] = 'X';
    EXPECT_FALSE(tokens.matches(flipped));
}

TEST(ServiceTokens, RefusesShortTokens) {
    ServiceTokens tokens;
    EXPECT_THROW(tokens.add("short"), std::invalid_argument);
    EXPECT_TRUE(tokens.empty());
}

// Each thread hashes with a context of its own: concurrent checks must not disturb each other.
TEST(ServiceTokens, ConcurrentChecksAgree) {
    ServiceTokens tokens;
    tokens.add(kFirst);
    std::vector<std::thread> threads;
    std::vector<int> wrong(4, 0);
    for (std::size_t t = 0; t < wrong.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                if (!tokens.matches(kFirst) || tokens.matches(kSecond)) ++wrong[t];
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    for (const int w : wrong)
        EXPECT_EQ(w, 0);
}

}  // namespace
}  // namespace ambient::api
