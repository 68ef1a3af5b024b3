// Streamed (chunked) responses: server-sent events, timeouts that must not cut them, the
// producer's view of a departing client, and shutdown with streams open.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/api_error.hpp"
#include "common/http/blocking.hpp"
#include "common/http/server.hpp"
#include "support/http_client.hpp"

namespace ambient::http {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using ambient::testing::RawConnection;
using ambient::testing::SseReader;
using Clock = std::chrono::steady_clock;

net::awaitable<void> sleep_for(StreamWriter& writer, std::chrono::milliseconds duration) {
    net::steady_timer timer(writer.executor(), duration);
    boost::system::error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

Response sse(StreamProducer producer) {
    Response r;
    r.headers = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
    r.stream = std::move(producer);
    return r;
}

class StreamTest : public ::testing::Test {
protected:
    StreamTest() { options_.port = 0; }
    void start() {
        server_ = std::make_unique<Server>(options_, router_);
        server_->start();
    }
    void TearDown() override {
        if (server_) server_->stop();
    }
    SseReader open(std::string target, ambient::testing::HeaderPairs headers = {}) {
        return SseReader("127.0.0.1", server_->port(), std::move(target), std::move(headers));
    }

    ServerOptions options_;
    Router router_;
    std::unique_ptr<Server> server_;
};

TEST_F(StreamTest, SlowStreamIsNotCutByShortTimeouts) {
    options_.header_timeout = 1s;
    options_.idle_timeout = 1s;
    options_.write_timeout = 1s;
    std::atomic<bool> producer_on_io_thread{false};
    router_.add({"GET", "/events", [&](Request& request) {
                     const std::string from(request.header("Last-Event-ID").value_or("0"));
                     return sse([&, from](StreamWriter& w) -> net::awaitable<void> {
                         const auto io = server_->io_thread_ids();
                         producer_on_io_thread =
                             std::find(io.begin(), io.end(), std::this_thread::get_id()) != io.end();
                         // 5 events over ~3.3 s, the first after a silence longer than
                         // every timeout: none of them applies while a producer runs.
                         for (int i = 1; i <= 5; ++i) {
                             co_await sleep_for(w, i == 1 ? 1300ms : 500ms);
                             const auto chunk = "id: " + std::to_string(i) + "\nevent: tick\ndata: " + from +
                                                "\ndata: " + std::to_string(i) + "\n\n";
                             if (!co_await w.write(": ping\n\n")) co_return;
                             if (!co_await w.write(chunk)) co_return;
                         }
                     });
                 }});
    start();

    auto reader = open("/events", {{"Last-Event-ID", "42"}});
    ASSERT_EQ(reader.status(), 200);
    EXPECT_EQ(reader.response().header("Content-Type"), "text/event-stream");
    EXPECT_EQ(reader.response().header("Transfer-Encoding"), "chunked");
    EXPECT_FALSE(reader.response().header("X-Operation-ID").empty());
    for (int i = 1; i <= 5; ++i) {
        auto event = reader.next(5s);
        ASSERT_TRUE(event) << "event " << i;
        EXPECT_EQ(event->id, std::to_string(i));
        EXPECT_EQ(event->event, "tick");
        EXPECT_EQ(event->data, "42\n" + std::to_string(i));
    }
    EXPECT_FALSE(reader.next(5s));
    EXPECT_TRUE(reader.ended());
    EXPECT_EQ(reader.comments(), 5u);
    EXPECT_TRUE(producer_on_io_thread);
}

TEST_F(StreamTest, ProducerSeesWriteFailAfterTheClientLeaves) {
    std::promise<int> failed_after;
    router_.add({"GET", "/events", [&](Request&) {
                     return sse([&](StreamWriter& w) -> net::awaitable<void> {
                         int written = 0;
                         while (co_await w.write("data: " + std::to_string(written) + "\n\n")) {
                             ++written;
                             co_await sleep_for(w, 50ms);
                         }
                         failed_after.set_value(written);
                     });
                 }});
    start();
    auto reader = open("/events");
    ASSERT_TRUE(reader.next(5s));
    reader.close();
    auto done = failed_after.get_future();
    ASSERT_EQ(done.wait_for(5s), std::future_status::ready);
    EXPECT_GE(done.get(), 1);
    const auto deadline = Clock::now() + 5s;
    while (server_->connection_count() > 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(server_->connection_count(), 0u);
}

// A producer that waits for data (writing nothing) hears at once that its client closed its
// end, instead of at its next write.
TEST_F(StreamTest, AWaitingProducerIsToldWhenTheClientLeaves) {
    auto told = std::make_shared<std::promise<void>>();
    router_.add({"GET", "/quiet", [told](Request&) {
                     return sse([told](StreamWriter& w) -> net::awaitable<void> {
                         co_await w.write(": hello\n\n");
                         auto timer = std::make_shared<net::steady_timer>(w.executor(), 1h);
                         w.on_client_gone([timer] { timer->cancel(); });
                         boost::system::error_code ec;
                         co_await timer->async_wait(net::redirect_error(net::use_awaitable, ec));
                         if (w.stopping()) told->set_value();
                     });
                 }});
    start();
    auto reader = open("/quiet");
    ASSERT_EQ(reader.status(), 200);
    const auto until = Clock::now() + 5s;
    while (reader.comments() == 0 && Clock::now() < until)
        reader.next(50ms);
    reader.close();
    auto done = told->get_future();
    EXPECT_EQ(done.wait_for(5s), std::future_status::ready);
    const auto deadline = Clock::now() + 5s;
    while (server_->connection_count() > 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_F(StreamTest, AReaderThatReadsNothingIsClosedAfterTheStreamWriteTimeout) {
    options_.stream_write_timeout = 1s;
    // Shared with the producer, which may outlive this test's scope if the server never ends it.
    auto gave_up = std::make_shared<std::promise<std::size_t>>();
    router_.add({"GET", "/events", [gave_up](Request&) {
                     return sse([gave_up](StreamWriter& w) -> net::awaitable<void> {
                         const std::string event = "data: " + std::string(64 * 1024, 'x') + "\n\n";
                         std::size_t written = 0;
                         while (co_await w.write(event))
                             written += event.size();
                         gave_up->set_value(written);
                     });
                 }});
    start();
    RawConnection raw("127.0.0.1", server_->port());
    raw.send("GET /events HTTP/1.1\r\nHost: a\r\n\r\n");  // and never read
    auto done = gave_up->get_future();
    ASSERT_EQ(done.wait_for(15s), std::future_status::ready);
    // What the kernel buffers on both sides, then nothing more.
    EXPECT_GT(done.get(), 0u);
    const auto deadline = Clock::now() + 5s;
    while (server_->connection_count() > 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_F(StreamTest, ASlowButSteadyReaderIsNotCutByTheStreamWriteTimeout) {
    options_.stream_write_timeout = 1s;
    const std::string event = "data: " + std::string(2 * 1024 * 1024, 'x') + "\n\n";
    router_.add({"GET", "/events", [&](Request&) {
                     return sse([&](StreamWriter& w) -> net::awaitable<void> { co_await w.write(event); });
                 }});
    start();
    // A client with a small receive window, taking 64 KiB every 100 ms: the 2 MiB event needs
    // well over the 1 s deadline, but each part of it is taken in time.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    const int window = 32 * 1024;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &window, sizeof window);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(server_->port());
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server), 0);
    const std::string request = "GET /events HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    std::string received;
    std::vector<char> piece(64 * 1024);
    const auto started = Clock::now();
    for (;;) {
        const auto n = ::recv(fd, piece.data(), piece.size(), 0);
        if (n <= 0) break;
        received.append(piece.data(), static_cast<std::size_t>(n));
        std::this_thread::sleep_for(100ms);  // the client's pace, not a wait for the server
    }
    ::close(fd);
    EXPECT_GT(Clock::now() - started, 1500ms);
    EXPECT_NE(received.find(event), std::string::npos) << received.size() << " bytes received";
    EXPECT_NE(received.find("\r\n0\r\n\r\n"), std::string::npos);  // the last chunk: ended normally
}

TEST_F(StreamTest, StopEndsACooperativeStreamWellWithinTheGrace) {
    options_.shutdown_grace = 5s;
    std::atomic<bool> saw_stopping{false};
    router_.add({"GET", "/events", [&](Request&) {
                     return sse([&](StreamWriter& w) -> net::awaitable<void> {
                         while (co_await w.write(": ping\n\n"))
                             co_await sleep_for(w, 50ms);
                         saw_stopping = w.stopping();
                     });
                 }});
    start();
    auto reader = open("/events");
    reader.next(200ms);
    ASSERT_GE(reader.comments(), 1u);
    const auto started = Clock::now();
    server_->stop();
    EXPECT_LT(Clock::now() - started, 2s);
    EXPECT_TRUE(saw_stopping);
    // The stream was ended properly (last chunk), not cut.
    while (!reader.ended())
        ASSERT_FALSE(reader.next(2s)) << "no events expected";
}

TEST_F(StreamTest, StopClosesAStubbornStreamAfterTheGrace) {
    options_.shutdown_grace = 1s;
    router_.add({"GET", "/events", [&](Request&) {
                     return sse([](StreamWriter& w) -> net::awaitable<void> {
                         co_await w.write(": hello\n\n");
                         co_await sleep_for(w, 60s);  // ignores stopping()
                     });
                 }});
    start();
    auto reader = open("/events");
    reader.next(300ms);
    ASSERT_EQ(reader.comments(), 1u);
    const auto started = Clock::now();
    server_->stop();
    const auto took = Clock::now() - started;
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 2s);
    EXPECT_FALSE(reader.next(2s));
    EXPECT_TRUE(reader.ended());
}

TEST_F(StreamTest, ProducerCanRunBlockingWorkOnTheWorkers) {
    router_.add({"GET", "/events", [&](Request&) {
                     return sse([&](StreamWriter& w) -> net::awaitable<void> {
                         const auto io = server_->io_thread_ids();
                         auto value = co_await run_blocking(server_->workers(), [&] {
                             const bool on_io = std::find(io.begin(), io.end(), std::this_thread::get_id()) != io.end();
                             return std::string(on_io ? "io" : "worker");
                         });
                         const bool back_on_io =
                             std::find(io.begin(), io.end(), std::this_thread::get_id()) != io.end();
                         co_await w.write("data: " + value + (back_on_io ? " then io" : "") + "\n\n");
                     });
                 }});
    start();
    auto reader = open("/events");
    auto event = reader.next(5s);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->data, "worker then io");
}

TEST_F(StreamTest, ProducerExceptionCutsTheStream) {
    router_.add({"GET", "/events", [&](Request&) {
                     return sse([](StreamWriter& w) -> net::awaitable<void> {
                         co_await w.write("data: one\n\n");
                         throw std::runtime_error("producer broke");
                     });
                 }});
    start();
    auto reader = open("/events");
    ASSERT_TRUE(reader.next(5s));
    EXPECT_FALSE(reader.next(5s));
    EXPECT_TRUE(reader.ended());
}

TEST_F(StreamTest, ErrorBeforeTheStreamIsAnOrdinaryResponse) {
    router_.add({"GET", "/events", [&](Request&) -> Response { throw ApiError::forbidden("not yours"); }});
    start();
    auto reader = open("/events");
    EXPECT_EQ(reader.status(), 403);
    EXPECT_EQ(reader.response().json()["reason"], "not yours");
    EXPECT_TRUE(reader.ended());
}

}  // namespace
}  // namespace ambient::http
