#include "sse_connections.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "sse_response_parser.hpp"

namespace bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// One reader. Its operations form a single chain (connect, write, read, read, …), so its
// handlers never run concurrently even with two I/O threads, and it needs no strand.
struct SseConnections::Connection {
    Connection(net::io_context& ioc, std::size_t i) : socket(ioc), index(i) {}

    tcp::socket socket;
    std::size_t index;
    SseResponseParser parser;
    std::uint64_t comments_counted = 0;
    bool had_head = false;
    bool ended = false;
    std::array<char, 4096> buffer{};
};

SseConnections::SseConnections(SseConnectionsOptions options, EventHandler on_event)
    : options_(std::move(options)), on_event_(std::move(on_event)), work_(ioc_.get_executor()) {
    request_ = "GET " + options_.url.target + " HTTP/1.1\r\nHost: " + options_.url.authority() + "\r\n";
    for (const auto& h : options_.headers)
        request_ += h + "\r\n";
    request_ += "\r\n";
    tcp::resolver resolver(ioc_);
    endpoint_ = *resolver.resolve(options_.url.host, options_.url.port).begin();
    for (std::size_t i = 0; i < std::max<std::size_t>(options_.threads, 1); ++i)
        threads_.emplace_back([this] { ioc_.run(); });
}

SseConnections::~SseConnections() {
    stop();
    // The sockets close here, before the io_context they belong to is destroyed.
    connections_.clear();
}

void SseConnections::stop() {
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_)
        t.join();
    threads_.clear();
}

bool SseConnections::opened(std::size_t index) const {
    return connections_.at(index)->had_head;
}

std::uint64_t SseConnections::comments() const {
    std::lock_guard lock(mutex_);
    return comments_;
}

std::map<std::string, std::size_t> SseConnections::drop_reasons() const {
    std::lock_guard lock(mutex_);
    return drops_;
}

OpenReport SseConnections::open() {
    if (!connections_.empty()) throw std::logic_error("SseConnections::open called twice");
    const auto started = Clock::now();
    connections_.reserve(options_.count);
    for (std::size_t i = 0; i < options_.count; ++i)
        connections_.push_back(std::make_unique<Connection>(ioc_, i));
    const auto first = std::min(options_.window, options_.count);
    next_ = first;
    for (std::size_t i = 0; i < first; ++i)
        net::post(ioc_, [this, i] { start(i); });

    OpenReport report;
    std::unique_lock lock(mutex_);
    const bool all = settled_cv_.wait_for(lock, options_.open_timeout, [this] { return settled_ == options_.count; });
    report.open = open_.load();
    report.reasons = failures_;
    report.failed = 0;
    for (const auto& [reason, n] : failures_)
        report.failed += n;
    if (!all)
        report.reasons["no response head within " + std::to_string(options_.open_timeout.count()) + " s"] =
            options_.count - settled_;
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return report;
}

void SseConnections::start(std::size_t index) {
    auto& c = *connections_[index];
    c.socket.async_connect(endpoint_, [this, &c](const boost::system::error_code& ec) { on_connected(c, ec); });
}

void SseConnections::on_connected(Connection& c, const boost::system::error_code& ec) {
    if (ec) return finish(c, "connect: " + ec.message());
    boost::system::error_code ignored;
    c.socket.set_option(tcp::no_delay(true), ignored);
    net::async_write(c.socket, net::buffer(request_),
                     [this, &c](const boost::system::error_code& e, std::size_t) { on_request_written(c, e); });
}

void SseConnections::on_request_written(Connection& c, const boost::system::error_code& ec) {
    if (ec) return finish(c, "write: " + ec.message());
    read_more(c);
}

void SseConnections::read_more(Connection& c) {
    c.socket.async_read_some(net::buffer(c.buffer),
                             [this, &c](const boost::system::error_code& ec, std::size_t n) { on_read(c, ec, n); });
}

void SseConnections::on_read(Connection& c, const boost::system::error_code& ec, std::size_t n) {
    if (ec) return finish(c, ec == net::error::eof ? "closed by the server" : "read: " + ec.message());
    const auto received = Clock::now();
    c.parser.feed(std::string_view(c.buffer.data(), n), [&](std::string_view data) {
        events_.fetch_add(1, std::memory_order_relaxed);
        on_event_(c.index, data, received);
    });
    if (c.parser.comments() != c.comments_counted) {
        std::lock_guard lock(mutex_);
        comments_ += c.parser.comments() - c.comments_counted;
        c.comments_counted = c.parser.comments();
    }
    if (!c.had_head && c.parser.head_complete()) {
        if (c.parser.status() != 200) return finish(c, "HTTP " + std::to_string(c.parser.status()));
        c.had_head = true;
        open_.fetch_add(1);
        handshake_done();
    }
    using State = SseResponseParser::State;
    if (c.parser.state() == State::Failed) return finish(c, "bad response: " + c.parser.error());
    if (c.parser.state() == State::Ended) return finish(c, "stream ended by the server");
    read_more(c);
}

void SseConnections::finish(Connection& c, const std::string& reason) {
    if (c.ended) return;
    c.ended = true;
    boost::system::error_code ignored;
    c.socket.close(ignored);
    {
        std::lock_guard lock(mutex_);
        ++(c.had_head ? drops_ : failures_)[reason];
    }
    if (c.had_head) {
        closed_after_open_.fetch_add(1);
        return;
    }
    handshake_done();
}

void SseConnections::handshake_done() {
    const auto next = next_.fetch_add(1);
    if (next < options_.count) start(next);
    std::lock_guard lock(mutex_);
    if (++settled_ == options_.count) settled_cv_.notify_all();
}

}  // namespace bench
