// The streaming client over TLS against a real TLS server (support/fake_tls_runner) with a
// certificate from a CA made for the test: what it accepts, what it refuses and why, and
// that reads cut short by their wait lose nothing of a TLS stream.
#include <gtest/gtest.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <fstream>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/http/server.hpp"
#include "common/http/stream_client.hpp"
#include "support/fake_tls_runner.hpp"
#include "support/server_process.hpp"
#include "support/test_ca.hpp"

namespace ambient::http {
namespace {

namespace net = boost::asio;
using net::ip::tcp;
using namespace std::chrono_literals;
using testing::FakeTlsRunner;
using testing::TempDir;
using testing::TestCa;

constexpr const char* kSession = "2bW6ZpVh2zYDv8ZKG6VbO1dzqE9";

// Reads to the end in `wait` slices, from a strand as the events relay does.
net::awaitable<void> read_to_end(UpstreamResponse& response, std::chrono::milliseconds wait, std::string& body,
                                 int& quiet_slices) {
    const auto executor = co_await net::this_coro::executor;
    for (;;) {
        auto piece = co_await response.read(executor, wait);
        if (piece.data.empty() && !piece.ended) ++quiet_slices;
        body += piece.data;
        if (piece.ended) co_return;
    }
}

std::string expected_events(int first, int last) {
    std::string events;
    for (int n = first; n <= last; ++n) {
        const auto id = std::to_string(n);
        events += "id: " + id + "\ndata: {\"type\":\"TEXT_MESSAGE_CONTENT\",\"n\":" + id + "}\n\n";
    }
    return events;
}

// A TCP relay to 127.0.0.1:`upstream_port` for one connection that passes what the upstream
// sends on a few bytes at a time, so that every TLS record arrives in many pieces.
class TricklingRelay {
public:
    explicit TricklingRelay(std::uint16_t upstream_port) : upstream_port_(upstream_port) {
        net::co_spawn(io_, relay(), net::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~TricklingRelay() {
        io_.stop();
        thread_.join();
    }
    std::uint16_t port() const { return port_; }

private:
    static constexpr std::size_t kBytesPerStep = 3;
    static constexpr auto kStep = 1ms;

    net::awaitable<void> relay() {
        client_ = co_await acceptor_.async_accept(net::use_awaitable);
        co_await upstream_.async_connect({net::ip::make_address("127.0.0.1"), upstream_port_}, net::use_awaitable);
        net::co_spawn(io_, copy(*client_, upstream_, false), net::detached);
        co_await copy(upstream_, *client_, true);
    }
    net::awaitable<void> copy(tcp::socket& from, tcp::socket& to, bool trickle) {
        std::array<char, 4096> bytes{};
        for (;;) {
            boost::system::error_code ec;
            const auto n =
                co_await from.async_read_some(net::buffer(bytes), net::redirect_error(net::use_awaitable, ec));
            if (ec) {
                to.shutdown(tcp::socket::shutdown_send, ec);
                co_return;
            }
            for (std::size_t sent = 0; sent < n;) {
                const auto step = trickle ? std::min(kBytesPerStep, n - sent) : n - sent;
                if (trickle) {
                    net::steady_timer pause(io_, kStep);
                    co_await pause.async_wait(net::use_awaitable);
                }
                co_await net::async_write(to, net::buffer(bytes.data() + sent, step),
                                          net::redirect_error(net::use_awaitable, ec));
                if (ec) co_return;
                sent += step;
            }
        }
    }

    std::uint16_t upstream_port_;
    net::io_context io_;
    tcp::acceptor acceptor_{io_, {net::ip::make_address("127.0.0.1"), 0}};
    std::uint16_t port_ = acceptor_.local_endpoint().port();
    std::optional<tcp::socket> client_;
    tcp::socket upstream_{io_};
    std::thread thread_;
};

class StreamClientTls : public ::testing::Test {
protected:
    FakeTlsRunner::Options runner_options(const std::vector<std::string>& names) {
        const auto certificate = ca_.issue("runner" + std::to_string(++issued_), names);
        return {
            .session_id = kSession, .certificate_file = certificate.certificate_file, .key_file = certificate.key_file};
    }
    UpstreamOrigin origin(const FakeTlsRunner& runner, std::string host = "127.0.0.1") {
        return {std::move(host), runner.port(), UpstreamOrigin::Scheme::Https};
    }
    // The message of the UpstreamTlsError opening `origin` with `client` throws.
    UpstreamTlsError tls_failure(StreamClient& client, const UpstreamOrigin& origin) {
        try {
            client.open_streaming_get(origin, std::string("/events/") + kSession, {}, 5s);
        } catch (const UpstreamTlsError& e) {
            return e;
        }
        ADD_FAILURE() << "no UpstreamTlsError";
        return UpstreamTlsError("none", false);
    }

    TempDir dir_;
    TestCa ca_{dir_.path()};
    int issued_ = 0;
};

TEST_F(StreamClientTls, AVerifiedRunnerIsReadToTheEndThroughWaitsThatCutReadsShort) {
    auto options = runner_options({"localhost", "127.0.0.1"});
    options.count = 4;
    options.interval = 150ms;
    FakeTlsRunner runner(options);
    StreamClient client({.extra_ca_file = ca_.certificate_file()});
    // Declared before the response: the response's read timer lives on this context, so the
    // context must outlive it.
    net::io_context io;
    auto response = client.open_streaming_get(origin(runner), std::string("/events/") + kSession,
                                              {{"Accept", "text/event-stream"}, {"Last-Event-ID", "10"}}, 5s);
    EXPECT_EQ(response->status(), 200);
    EXPECT_EQ(runner.accept(), "text/event-stream");
    EXPECT_EQ(runner.last_event_id(), "10");
    EXPECT_EQ(runner.server_name(), "");  // SNI never carries an address

    // 150 ms between events and 20 ms waits: most reads are cancelled while OpenSSL waits
    // for a record, and the stream must come through whole all the same.
    std::string body;
    int quiet_slices = 0;
    net::co_spawn(net::make_strand(io), read_to_end(*response, 20ms, body, quiet_slices), net::detached);
    io.run();
    EXPECT_EQ(body, expected_events(11, 14));
    EXPECT_GT(quiet_slices, 10);
}

// Every record arrives in pieces a millisecond apart and the reads wait 5 ms: reads are
// cancelled with part of a record inside OpenSSL, which the next read must complete.
TEST_F(StreamClientTls, ReadsCancelledInsideARecordLoseNothing) {
    auto options = runner_options({"127.0.0.1"});
    options.count = 4;
    options.interval = 50ms;
    FakeTlsRunner runner(options);
    TricklingRelay relay(runner.port());
    StreamClient client({.extra_ca_file = ca_.certificate_file()});
    net::io_context io;  // outlives the response (its read timer lives here)
    auto response = client.open_streaming_get({"127.0.0.1", relay.port(), UpstreamOrigin::Scheme::Https},
                                              std::string("/events/") + kSession, {}, 10s);
    EXPECT_EQ(response->status(), 200);
    std::string body;
    int quiet_slices = 0;
    net::co_spawn(net::make_strand(io), read_to_end(*response, 5ms, body, quiet_slices), net::detached);
    io.run();
    EXPECT_EQ(body, expected_events(1, 4));
    EXPECT_GT(quiet_slices, 10);
}

TEST_F(StreamClientTls, ANameIsCheckedAgainstTheCertificatesDnsNames) {
    FakeTlsRunner runner(runner_options({"localhost"}));
    StreamClient client({.extra_ca_file = ca_.certificate_file()});
    EXPECT_EQ(
        client.open_streaming_get(origin(runner, "localhost"), std::string("/events/") + kSession, {}, 5s)->status(),
        200);
    EXPECT_EQ(runner.server_name(), "localhost");
    // The same certificate names no address: 127.0.0.1 is not "localhost".
    const auto failure = tls_failure(client, origin(runner));
    EXPECT_TRUE(failure.certificate_rejected());
    EXPECT_NE(std::string(failure.what()).find("IP address mismatch"), std::string::npos) << failure.what();
}

TEST_F(StreamClientTls, ACertificateForAnotherHostIsRejected) {
    FakeTlsRunner runner(runner_options({"runner.other.example"}));
    StreamClient client({.extra_ca_file = ca_.certificate_file()});
    const auto failure = tls_failure(client, origin(runner, "localhost"));
    EXPECT_TRUE(failure.certificate_rejected());
    EXPECT_NE(std::string(failure.what()).find("hostname mismatch"), std::string::npos) << failure.what();
    EXPECT_EQ(runner.requests(), 0);  // no request goes out on a session that did not verify
}

TEST_F(StreamClientTls, AnUntrustedCertificateIsRejected) {
    FakeTlsRunner runner(runner_options({"localhost", "127.0.0.1"}));
    StreamClient client;  // the system's store only
    const auto failure = tls_failure(client, origin(runner));
    EXPECT_TRUE(failure.certificate_rejected());
    EXPECT_NE(std::string(failure.what()).find("local issuer"), std::string::npos) << failure.what();
    EXPECT_EQ(runner.requests(), 0);
}

TEST_F(StreamClientTls, APlainHttpServerFailsTheHandshakeForAnotherReason) {
    Router router;
    ServerOptions options;
    options.port = 0;
    options.worker_threads = 1;
    Server plain(options, router);
    plain.start();
    StreamClient client({.extra_ca_file = ca_.certificate_file()});
    const auto failure = tls_failure(client, {"127.0.0.1", plain.port(), UpstreamOrigin::Scheme::Https});
    EXPECT_FALSE(failure.certificate_rejected()) << failure.what();
}

TEST_F(StreamClientTls, AnUnusableCaFileStopsTheClientFromStarting) {
    EXPECT_THROW(StreamClient({.extra_ca_file = dir_.path() / "missing.pem"}), std::invalid_argument);
    const auto garbage = dir_.path() / "garbage.pem";
    std::ofstream(garbage) << "not a certificate\n";
    EXPECT_THROW(StreamClient({.extra_ca_file = garbage}), std::invalid_argument);
    EXPECT_NO_THROW(StreamClient({.extra_ca_file = ca_.certificate_file()}));
}

}  // namespace
}  // namespace ambient::http
