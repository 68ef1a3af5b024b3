#pragma once
// N concurrent SSE readers of one URL on Boost.Asio (epoll), driven by 1 or 2 threads of
// their own. Each connection sends one GET, parses the response itself
// (SseResponseParser) and hands every event to a callback, with the time its bytes were
// read. Connections are opened a window at a time, so the server's accept backlog is never
// overrun however large N is.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http_url.hpp"

namespace bench {

using Clock = std::chrono::steady_clock;

struct SseConnectionsOptions {
    HttpUrl url;
    std::vector<std::string> headers;  // "Name: value", sent on every GET
    std::size_t count = 0;
    std::size_t window = 200;  // handshakes (connect, GET, response head) in flight at once
    std::size_t threads = 1;
    std::chrono::seconds open_timeout{120};
};

// What open() achieved.
struct OpenReport {
    std::size_t open = 0;    // connections that got a 200 response head
    std::size_t failed = 0;  // refused, reset, timed out or answered with another status
    std::map<std::string, std::size_t> reasons;
    double seconds = 0;
};

class SseConnections {
public:
    // Called on an I/O thread, for connection `index`, with the event's data and the time the
    // bytes holding its end were read. Calls for one connection never overlap.
    using EventHandler = std::function<void(std::size_t index, std::string_view data, Clock::time_point received)>;

    SseConnections(SseConnectionsOptions options, EventHandler on_event);
    // Stops the I/O threads (idempotent) and closes every connection.
    ~SseConnections();
    SseConnections(const SseConnections&) = delete;
    SseConnections& operator=(const SseConnections&) = delete;

    // Opens the connections; returns once each has its response head or failed, or on timeout.
    OpenReport open();

    // Stops the I/O threads: no handler runs afterwards, the connections stay open. Lets the
    // caller read what the handlers wrote without racing them.
    void stop();
    // After stop(): whether connection `index` got its 200 head.
    bool opened(std::size_t index) const;

    // Connections that had a 200 head and are still open.
    std::size_t open_count() const { return open_.load() - closed_after_open_.load(); }
    // Connections that had a 200 head and then ended (server closed, reset, parse error).
    std::size_t dropped() const { return closed_after_open_.load(); }
    std::uint64_t events() const { return events_.load(); }
    // Why connections dropped, with counts.
    std::map<std::string, std::size_t> drop_reasons() const;
    // ": ping" and other comment lines.
    std::uint64_t comments() const;

    struct Connection;

private:
    void start(std::size_t index);
    void on_connected(Connection& c, const boost::system::error_code& ec);
    void on_request_written(Connection& c, const boost::system::error_code& ec);
    void read_more(Connection& c);
    void on_read(Connection& c, const boost::system::error_code& ec, std::size_t n);
    // A connection reached its end: before its head (failure) or after (drop).
    void finish(Connection& c, const std::string& reason);
    void handshake_done();

    SseConnectionsOptions options_;
    EventHandler on_event_;
    std::string request_;  // the same GET for every connection
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    boost::asio::ip::tcp::endpoint endpoint_;
    std::vector<std::unique_ptr<Connection>> connections_;
    std::vector<std::thread> threads_;

    std::atomic<std::size_t> next_{0};
    std::atomic<std::size_t> open_{0};
    std::atomic<std::size_t> closed_after_open_{0};
    std::atomic<std::uint64_t> events_{0};

    mutable std::mutex mutex_;  // guards the fields below
    std::condition_variable settled_cv_;
    std::size_t settled_ = 0;  // handshakes that ended, well or not
    std::map<std::string, std::size_t> failures_;
    std::map<std::string, std::size_t> drops_;
    std::uint64_t comments_ = 0;
};

}  // namespace bench
