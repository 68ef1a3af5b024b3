#include "common/http/url.hpp"

#include <gtest/gtest.h>

#include "common/http/gzip.hpp"

namespace ambient::http {
namespace {

TEST(PercentDecode, DecodesEscapes) {
    EXPECT_EQ(percent_decode("a%20b%2Fc%2f"), "a b/c/");
    EXPECT_EQ(percent_decode("a+b"), "a+b");
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    EXPECT_EQ(percent_decode("%e2%82%AC"), "\xe2\x82\xac");
    EXPECT_EQ(percent_decode(""), "");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
    EXPECT_FALSE(percent_decode("%"));
    EXPECT_FALSE(percent_decode("abc%2"));
    EXPECT_FALSE(percent_decode("%zz"));
    EXPECT_FALSE(percent_decode("%2g"));
}

TEST(DecodeTarget, SplitsPathAndQuery) {
    auto t = decode_target("/api/x%20y/?search=name%3D'a+b'&page=2&&flag&empty=");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->path, "/api/x y");
    using Q = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(t->query, (Q{{"search", "name='a b'"}, {"page", "2"}, {"flag", ""}, {"empty", ""}}));
}

TEST(DecodeTarget, StripsTrailingSlashesButKeepsRoot) {
    EXPECT_EQ(decode_target("/")->path, "/");
    EXPECT_EQ(decode_target("//")->path, "/");
    EXPECT_EQ(decode_target("/a/b/")->path, "/a/b");
    EXPECT_EQ(decode_target("/a?x=1")->path, "/a");
}

TEST(DecodeTarget, FailsOnMalformedPathOrQuery) {
    EXPECT_FALSE(decode_target("/a%zz"));
    EXPECT_FALSE(decode_target("/a?x=%"));
}

TEST(DecodeTarget, RefusesAnEncodedSlashOrControlCharacterInThePath) {
    // Decoded, "/projects/a%2Fsessions" would route as /projects/a/sessions.
    EXPECT_FALSE(decode_target("/projects/a%2Fsessions"));
    EXPECT_FALSE(decode_target("/projects/a%2fsessions"));
    EXPECT_FALSE(decode_target("/projects/a%00"));
    EXPECT_FALSE(decode_target("/projects/a%0D%0Ab"));
    EXPECT_FALSE(decode_target("/projects/a%7F"));
    // Elsewhere they are data: the query, and other escapes in the path.
    auto t = decode_target("/projects/a%20b%25%2E?search=a%2Fb%00");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->path, "/projects/a b%.");
    EXPECT_EQ(t->query[0].second, std::string("a/b\0", 4));
}

TEST(RawPath, DropsTheQuery) {
    EXPECT_EQ(raw_path("/a%20b?token=secret"), "/a%20b");
    EXPECT_EQ(raw_path("/a"), "/a");
}

TEST(AcceptsGzip, ParsesTheHeader) {
    EXPECT_TRUE(accepts_gzip("gzip"));
    EXPECT_TRUE(accepts_gzip("deflate, GZIP;q=0.5, br"));
    EXPECT_TRUE(accepts_gzip("gzip;q=1.0"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(accepts_gzip("gzip; q=0.000"));
    EXPECT_FALSE(accepts_gzip("deflate, br"));
    EXPECT_FALSE(accepts_gzip("x-gzip-not"));
    EXPECT_FALSE(accepts_gzip(""));
}

}  // namespace
}  // namespace ambient::http
