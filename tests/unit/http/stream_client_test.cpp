// The streaming client's URL rule: plain http, host and port, nothing that could split the
// request line. (Streaming itself is tested end to end in integration/events_proxy_test.)
#include <gtest/gtest.h>

#include "common/http/stream_client.hpp"

namespace ambient::http {
namespace {

TEST(ParseHttpUrl, HostPortAndTarget) {
    auto u = parse_http_url("http://session-abc.ns.svc.cluster.local:8001/events/3Mk6");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "session-abc.ns.svc.cluster.local");
    EXPECT_EQ(u->port, 8001);
    EXPECT_EQ(u->target, "/events/3Mk6");

    u = parse_http_url("HTTP://127.0.0.1");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, 80);
    EXPECT_EQ(u->target, "/");

    u = parse_http_url("http://[::1]:9000?x=1");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->port, 9000);
    EXPECT_EQ(u->target, "/?x=1");
}

TEST(ParseHttpUrl, RefusesWhatIsNotPlainHttp) {
    for (const char* bad : {"https://runner:8001", "ftp://x", "runner:8001", "http://", "http://:80/", "http://a:0",
                            "http://a:65536", "http://a:", "http://a:8x", "http://user@a/", "http://a/b c",
                            "http://a/b\r\nX: y", "http://a/#frag", "http://[::1", "http://[::1]x", "http://a_b:1:2"}) {
        EXPECT_FALSE(parse_http_url(bad)) << bad;
    }
}

TEST(OpenStreamingGet, UnreachableOrBadUrlThrows) {
    EXPECT_THROW(open_streaming_get("https://127.0.0.1:1/", {}, std::chrono::milliseconds(500)), StreamClientError);
    EXPECT_THROW(open_streaming_get("http://127.0.0.1:1/", {}, std::chrono::milliseconds(500)), StreamClientError);
}

}  // namespace
}  // namespace ambient::http
