#include "common/client/http_client.hpp"

#include <gtest/gtest.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

#include "common/http/router.hpp"
#include "common/http/server.hpp"
#include "support/stalling_sse_server.hpp"

namespace ambient::client {
namespace {

// A real server on 127.0.0.1: /stream sends two chunks; /missing is a 404.
class StreamServer {
public:
    StreamServer() {
        router_.add({"GET", "/stream",
                     [](http::Request&) {
                         http::Response r;
                         r.set_header("Content-Type", "text/event-stream");
                         r.stream = [](http::StreamWriter& w) -> boost::asio::awaitable<void> {
                             if (co_await w.write("one\n")) co_await w.write("two\n");
                         };
                         return r;
                     },
                     true});
        router_.add({"GET", "/missing", [](http::Request&) { return http::Response::json(404, "{}"); }, true});
        http::ServerOptions options;
        options.port = 0;
        server_ = std::make_unique<http::Server>(options, router_);
        server_->start();
    }
    ~StreamServer() { server_->stop(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

private:
    http::Router router_;
    std::unique_ptr<http::Server> server_;
};

TEST(HttpClientStream, OnOpenRunsOnceBeforeTheBody) {
    StreamServer server;
    HttpClient client(server.url());
    std::string seen;
    const auto response = client.stream(
        "/stream", {},
        [&](std::string_view bytes) {
            seen += bytes;
            return true;
        },
        nullptr, std::chrono::seconds(5),
        [&](const HttpResponse& r) {
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.header("content-type"), "text/event-stream");
            EXPECT_EQ(seen, "");
            seen += "open;";
            return true;
        });
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(seen, "open;one\ntwo\n");
}

TEST(HttpClientStream, OnOpenReturningFalseEndsTheStreamQuietly) {
    StreamServer server;
    HttpClient client(server.url());
    bool data = false;
    const auto response = client.stream(
        "/stream", {},
        [&](std::string_view) {
            data = true;
            return true;
        },
        nullptr, std::chrono::seconds(5), [](const HttpResponse&) { return false; });
    EXPECT_EQ(response.status, 200);
    EXPECT_FALSE(data);
}

TEST(HttpClientStream, OnOpenIsNotCalledForAnError) {
    StreamServer server;
    HttpClient client(server.url());
    bool opened = false;
    const auto response = client.stream(
        "/missing", {}, [](std::string_view) { return true; }, nullptr, std::chrono::seconds(5),
        [&](const HttpResponse&) {
            opened = true;
            return true;
        });
    EXPECT_EQ(response.status, 404);
    EXPECT_FALSE(opened);
}

TEST(HttpClientStream, ASilentStreamIsDroppedAfterItsIdleTimeout) {
    testing::StallingSseServer server("/stream", {{": ping\n\n" + testing::sse_frame("1", "x"), true}});
    HttpClient client(server.url());
    std::string seen;
    const auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(client.stream(
                     "/stream", {{"Accept", "text/event-stream"}},
                     [&](std::string_view bytes) {
                         seen += bytes;
                         return true;
                     },
                     nullptr, std::chrono::milliseconds(300)),
                 StreamStalled);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, std::chrono::milliseconds(300));
    EXPECT_LT(took, std::chrono::seconds(3));  // libcurl looks at the clock about once a second at worst
    EXPECT_EQ(seen, ": ping\n\nid: 1\ndata: x\n\n");
    // The server sees the reader go away.
    for (int i = 0; i < 500 && server.open_streams() > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(server.open_streams(), 0u);
}

TEST(HttpClientStream, PingsKeepAQuietStreamOpen) {
    // Pings every 100 ms for 1 s against an idle timeout of 300 ms: never dropped.
    std::string body;
    for (int i = 0; i < 10; ++i)
        body += ": ping\n\n";
    http::Router router;
    router.add({"GET", "/pings",
                [](http::Request&) {
                    http::Response r;
                    r.set_header("Content-Type", "text/event-stream");
                    r.stream = [](http::StreamWriter& w) -> boost::asio::awaitable<void> {
                        boost::asio::steady_timer timer(w.executor());
                        for (int i = 0; i < 10; ++i) {
                            timer.expires_after(std::chrono::milliseconds(100));
                            co_await timer.async_wait(boost::asio::use_awaitable);
                            if (!co_await w.write(": ping\n\n")) co_return;
                        }
                    };
                    return r;
                },
                true});
    http::ServerOptions options;
    options.port = 0;
    http::Server server(options, router);
    server.start();
    HttpClient client("http://127.0.0.1:" + std::to_string(server.port()));
    std::string seen;
    const auto response = client.stream(
        "/pings", {},
        [&](std::string_view bytes) {
            seen += bytes;
            return true;
        },
        nullptr, std::chrono::milliseconds(300));
    server.stop();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(seen, body);
}

}  // namespace
}  // namespace ambient::client
