// Where the events proxy may connect: an origin and nothing more, never a link-local or
// metadata address in any spelling.
#include <gtest/gtest.h>

#include "common/http/upstream_origin.hpp"

namespace ambient::http {
namespace {

namespace ip = boost::asio::ip;

TEST(ParseUpstreamOrigin, HostAndPortOnly) {
    auto o = parse_upstream_origin("http://session-abc.ns.svc.cluster.local:8001");
    EXPECT_EQ(o.host, "session-abc.ns.svc.cluster.local");
    EXPECT_EQ(o.port, 8001);
    o = parse_upstream_origin("HTTP://127.0.0.1:9000/");
    EXPECT_EQ(o.host, "127.0.0.1");
    EXPECT_EQ(o.port, 9000);
    o = parse_upstream_origin("http://[::1]:9000");
    EXPECT_EQ(o.host, "::1");
    EXPECT_EQ(host_header(o), "[::1]:9000");
    EXPECT_EQ(host_header(parse_upstream_origin("http://localhost:80")), "localhost:80");
    EXPECT_EQ(o.scheme, UpstreamOrigin::Scheme::Http);
}

TEST(ParseUpstreamOrigin, HttpsTakesTheSameShape) {
    auto o = parse_upstream_origin("https://session-abc.ns.svc.cluster.local:8443");
    EXPECT_EQ(o.scheme, UpstreamOrigin::Scheme::Https);
    EXPECT_EQ(o.host, "session-abc.ns.svc.cluster.local");
    EXPECT_EQ(o.port, 8443);
    o = parse_upstream_origin("HTTPS://127.0.0.1:9443/");
    EXPECT_EQ(o.scheme, UpstreamOrigin::Scheme::Https);
    EXPECT_EQ(o.host, "127.0.0.1");
    EXPECT_EQ(o.port, 9443);
    o = parse_upstream_origin("https://[::1]:443");
    EXPECT_EQ(o.scheme, UpstreamOrigin::Scheme::Https);
    EXPECT_EQ(host_header(o), "[::1]:443");
    // The port is never implied by the scheme.
    EXPECT_THROW(parse_upstream_origin("https://runner"), OriginError);
}

TEST(ParseUpstreamOrigin, RefusesAnythingButAnOrigin) {
    for (const char* bad :
         {"httpx://runner:8001", "ftp://x:1",          "runner:8001",    "http://",
          "http://:80",          "http://a",           "http://a/",      "http://a:0",
          "http://a:65536",      "http://a:",          "http://a:8x",    "http://user@a:1",
          "http://user:pw@a:1",  "http://a:1/metrics", "http://a:1/?x=", "http://a:1?x=1",
          "http://a:1#frag",     "http://a:1//",       "http://a b:1",   "http://a\r\n:1",
          "http://[::1",         "http://[::1]",       "http://[::1]x",  "http://[zz::1]:1",
          "http://a_b:1:2",      "http://.a:1",        "http://-a:1",    "http://127.0.0.1:1/events/x"}) {
        EXPECT_THROW(parse_upstream_origin(bad), OriginError) << bad;
    }
    for (const char* bad :
         {"https://", "https://a", "https://a:0", "https://user@a:1", "https://a:1/events", "https://a:1?x=1",
          "https://a:1#f", "https:/a:1", "https//a:1", "http:s//a:1", "wss://a:1", "https://[::1]"}) {
        EXPECT_THROW(parse_upstream_origin(bad), OriginError) << bad;
    }
}

TEST(ParseUpstreamOrigin, RefusesMetadataAndLinkLocalLiterals) {
    for (const char* bad : {"http://169.254.169.254:80", "http://169.254.0.1:8001", "http://[fd00:ec2::254]:80",
                            "http://[fe80::1]:80", "http://[::ffff:169.254.169.254]:80", "http://[::ffff:a9fe:a9fe]:80",
                            "http://[64:ff9b::169.254.169.254]:80", "http://[::169.254.169.254]:80",
                            // Forms only inet_aton reads, which the resolver accepts as names.
                            "http://2852039166:80", "http://0xa9.0xfe.0xa9.0xfe:80", "http://169.254.43518:80",
                            "http://0251.0376.0251.0376:80",
                            // The same over TLS: the address is refused before any handshake.
                            "https://169.254.169.254:443", "https://[fd00:ec2::254]:443", "https://[fe80::1]:443",
                            "https://[::ffff:169.254.169.254]:443", "https://2852039166:443"}) {
        EXPECT_THROW(parse_upstream_origin(bad), OriginError) << bad;
    }
    // Loopback stays: the local runtime's runners listen there.
    EXPECT_NO_THROW(parse_upstream_origin("http://127.0.0.1:8001"));
    EXPECT_NO_THROW(parse_upstream_origin("http://[::1]:8001"));
    EXPECT_NO_THROW(parse_upstream_origin("http://localhost:8001"));
    EXPECT_NO_THROW(parse_upstream_origin("https://127.0.0.1:8443"));
}

TEST(IsForbiddenUpstream, LinkLocalAndMetadataInEverySpelling) {
    for (const char* bad : {"169.254.169.254", "169.254.0.0", "169.254.255.255", "fe80::1", "febf::1", "fd00:ec2::254",
                            "::ffff:169.254.169.254", "::169.254.1.1", "64:ff9b::a9fe:a9fe"}) {
        EXPECT_TRUE(is_forbidden_upstream(ip::make_address(bad))) << bad;
    }
    for (const char* good : {"127.0.0.1", "::1", "10.0.0.1", "169.253.255.255", "169.255.0.0", "fd00:ec2::253",
                             "fec0::1", "::ffff:127.0.0.1", "2001:db8::1"}) {
        EXPECT_FALSE(is_forbidden_upstream(ip::make_address(good))) << good;
    }
}

}  // namespace
}  // namespace ambient::http
