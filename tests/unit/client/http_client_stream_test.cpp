#include "common/client/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>

#include "common/http/router.hpp"
#include "common/http/server.hpp"

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

}  // namespace
}  // namespace ambient::client
