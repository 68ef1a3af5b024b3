#include "common/http/log_excerpt.hpp"

#include <gtest/gtest.h>

namespace ambient::http {
namespace {

TEST(LogExcerpt, KeepsShortTextAndCutsLongText) {
    EXPECT_EQ(log_excerpt("GET", kLoggedMethodBytes), "GET");
    EXPECT_EQ(log_excerpt("abcdef", 3), "abc...(6 bytes)");
    EXPECT_EQ(log_excerpt("abc", 3), "abc");
}

TEST(LoggablePath, DropsTheQueryAndBoundsThePath) {
    EXPECT_EQ(loggable_path("/a%20b?token=secret"), "/a%20b");
    const std::string long_path = "/api/ambient/v1/credentials/" + std::string(60000, 'x');
    const auto logged = loggable_path(long_path + "/token?x=secret");
    EXPECT_EQ(logged,
              long_path.substr(0, kLoggedPathBytes) + "...(" + std::to_string(long_path.size() + 6) + " bytes)");
    EXPECT_LT(logged.size(), kLoggedPathBytes + 32);
}

}  // namespace
}  // namespace ambient::http
