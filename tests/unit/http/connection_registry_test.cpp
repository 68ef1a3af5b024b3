// Admission of connections: the per-client and global caps, and eviction of idle connections
// at the global cap (connection_registry.hpp).
#include "common/http/connection_registry.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace ambient::http::detail {
namespace {

namespace net = boost::asio;
using Refusal = ConnectionRegistry::Refusal;

const auto kAlice = net::ip::make_address("10.0.0.1");
const auto kBob = net::ip::make_address("10.0.0.2");
const auto kCarol = net::ip::make_address("10.0.0.3");
const auto kDan = net::ip::make_address("10.0.0.4");

class Registry : public ::testing::Test {
protected:
    ConnectionRegistry::Admission admit(ConnectionRegistry& registry, const net::ip::address& client) {
        return registry.admit(client, ioc_.get_executor());
    }
    net::io_context ioc_;  // runs nothing: evictions post a close that finds no stream here
};

TEST_F(Registry, ClientKeysGroupIpv6ByTheSlash64) {
    EXPECT_EQ(client_key(kAlice), kAlice);
    EXPECT_EQ(client_key(net::ip::make_address("::ffff:10.0.0.1")), kAlice);
    EXPECT_EQ(client_key(net::ip::make_address("2001:db8::1")), client_key(net::ip::make_address("2001:db8::ffff:2")));
    EXPECT_NE(client_key(net::ip::make_address("2001:db8::1")), client_key(net::ip::make_address("2001:db8:0:1::1")));
}

TEST_F(Registry, RefusesAClientOverItsCapButNotOthers) {
    ConnectionRegistry registry({.max_connections = 0, .max_per_client = 2});
    auto a1 = admit(registry, kAlice);
    auto a2 = admit(registry, kAlice);
    ASSERT_TRUE(a1.state && a2.state);
    auto a3 = admit(registry, kAlice);
    EXPECT_FALSE(a3.state);
    EXPECT_EQ(a3.refusal, Refusal::PerClient);
    EXPECT_TRUE(admit(registry, kBob).state);
    EXPECT_FALSE(admit(registry, net::ip::make_address("::ffff:10.0.0.1")).state);  // the same client

    registry.remove(a1.state);
    EXPECT_TRUE(admit(registry, kAlice).state);
    EXPECT_EQ(registry.size(), 3u);
}

TEST_F(Registry, AtTheGlobalCapEvictsTheConnectionIdleLongest) {
    ConnectionRegistry registry({.max_connections = 2, .max_per_client = 0});
    auto alice = admit(registry, kAlice);  // idle from the accept, first
    auto bob = admit(registry, kBob);
    ASSERT_TRUE(alice.state && bob.state);

    auto carol = admit(registry, kCarol);
    ASSERT_TRUE(carol.state);
    EXPECT_EQ(registry.evictions(), 1u);
    EXPECT_FALSE(registry.mark_busy(alice.state));  // it must close
    EXPECT_TRUE(registry.mark_busy(bob.state));
    EXPECT_FALSE(registry.mark_idle(alice.state));

    // Bob is busy now and Carol idle: Carol goes.
    auto dan = admit(registry, kDan);
    ASSERT_TRUE(dan.state);
    EXPECT_FALSE(registry.mark_busy(carol.state));
    EXPECT_TRUE(registry.mark_busy(dan.state));
    EXPECT_EQ(registry.evictions(), 2u);
}

TEST_F(Registry, AtTheGlobalCapWithNothingIdleRefuses) {
    ConnectionRegistry registry({.max_connections = 2, .max_per_client = 0});
    auto alice = admit(registry, kAlice);
    auto bob = admit(registry, kBob);
    registry.mark_busy(alice.state);
    registry.mark_busy(bob.state);
    auto carol = admit(registry, kCarol);
    EXPECT_FALSE(carol.state);
    EXPECT_EQ(carol.refusal, Refusal::Global);

    // A connection that goes back to waiting for its next request may be evicted again.
    EXPECT_TRUE(registry.mark_idle(bob.state));
    EXPECT_TRUE(admit(registry, kCarol).state);
    EXPECT_FALSE(registry.mark_busy(bob.state));
}

TEST_F(Registry, EvictedConnectionsFreeTheirSlotOnceWhenTheyEnd) {
    ConnectionRegistry registry({.max_connections = 1, .max_per_client = 0});
    auto alice = admit(registry, kAlice);
    auto bob = admit(registry, kBob);  // evicts Alice
    ASSERT_TRUE(bob.state);
    EXPECT_EQ(registry.size(), 2u);  // Alice's coroutine has not ended yet
    registry.mark_busy(bob.state);
    EXPECT_FALSE(admit(registry, kCarol).state);
    registry.remove(alice.state);
    EXPECT_EQ(registry.size(), 1u);
    EXPECT_FALSE(admit(registry, kCarol).state);  // Bob holds the one slot
    registry.remove(bob.state);
    EXPECT_TRUE(admit(registry, kCarol).state);
}

TEST_F(Registry, IsCrowdedAbove80PercentOfTheCap) {
    ConnectionRegistry registry({.max_connections = 10, .max_per_client = 0});
    std::vector<ConnectionRegistry::Admission> held;
    for (int i = 0; i < 8; ++i)
        held.push_back(admit(registry, kAlice));
    EXPECT_FALSE(registry.crowded());
    held.push_back(admit(registry, kAlice));
    EXPECT_TRUE(registry.crowded());
    EXPECT_FALSE(ConnectionRegistry({.max_connections = 0, .max_per_client = 0}).crowded());
}

}  // namespace
}  // namespace ambient::http::detail
