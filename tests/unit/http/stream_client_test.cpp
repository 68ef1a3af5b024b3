// The streaming client's refusals before any byte is sent. (Streaming itself is tested end
// to end in integration/events_proxy_test.)
#include <gtest/gtest.h>

#include "common/http/stream_client.hpp"

namespace ambient::http {
namespace {

using namespace std::chrono_literals;

TEST(OpenStreamingGet, UnreachableOrBadTargetThrows) {
    StreamClient client;
    EXPECT_THROW(client.open_streaming_get({"127.0.0.1", 1}, "/", {}, 500ms), StreamClientError);
    for (const char* bad : {"", "events", "/a b", "/a\r\nX: y"}) {
        EXPECT_THROW(client.open_streaming_get({"127.0.0.1", 1}, bad, {}, 500ms), StreamClientError) << bad;
    }
}

// A name is checked on what it resolves to when the connection is made: "2852039166" is a
// name the system resolver turns into 169.254.169.254.
TEST(OpenStreamingGet, ANameThatResolvesToAMetadataAddressIsNeverConnected) {
    StreamClient client;
    try {
        client.open_streaming_get({"2852039166", 80}, "/", {}, 5000ms);
        FAIL() << "connected";
    } catch (const StreamClientError& e) {
        EXPECT_NE(std::string(e.what()).find("link-local or metadata"), std::string::npos) << e.what();
    }
    // The same over TLS: refused before any connection, so before any handshake.
    try {
        client.open_streaming_get({"2852039166", 443, UpstreamOrigin::Scheme::Https}, "/", {}, 5000ms);
        FAIL() << "connected";
    } catch (const UpstreamTlsError& e) {
        FAIL() << "reached a handshake: " << e.what();
    } catch (const StreamClientError& e) {
        EXPECT_NE(std::string(e.what()).find("link-local or metadata"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace ambient::http
