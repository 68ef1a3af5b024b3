#pragma once
// Internal to the HTTP layer: a server connection's socket with one deadline for whatever it
// waits on, and the sweep of its I/O thread that enforces it.
//
// Why not beast::tcp_stream: it arms a timer for every read and write and runs each through
// a type-erased executor. A request sets three deadlines (idle, header, write), and the
// profile showed those timers and executor copies as a large share of a small request's
// instructions (docs/performance.md). Here setting a deadline is one store; a single timer
// per I/O thread wakes every kSweepPeriod and cancels what is overdue. A deadline therefore
// fires up to one period late, which for timeouts counted in seconds does not matter.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <optional>

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace ambient::http::detail {

using IoExecutor = boost::asio::io_context::executor_type;
// Bound to its io_context's own executor: no type-erased executor per operation.
using IoSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, IoExecutor>;

inline constexpr std::chrono::milliseconds kSweepPeriod{250};

class DeadlineSweep;

class TimedSocket {
public:
    using Clock = std::chrono::steady_clock;
    using executor_type = IoExecutor;

    TimedSocket(IoSocket socket, DeadlineSweep& sweep);
    ~TimedSocket();
    TimedSocket(const TimedSocket&) = delete;
    TimedSocket& operator=(const TimedSocket&) = delete;

    IoSocket& socket() { return socket_; }
    executor_type get_executor() { return socket_.get_executor(); }

    // Whatever the socket waits on once this passes is cancelled (operation_aborted), and so
    // is anything started later, until the deadline is moved.
    void expires_after(Clock::duration timeout) { deadline_ = Clock::now() + timeout; }
    void expires_never() { deadline_ = Clock::time_point::max(); }
    bool overdue(Clock::time_point now) const { return deadline_ <= now; }

    void cancel();
    void close();

    // An AsyncReadStream and AsyncWriteStream, so Beast's algorithms take it as they take a
    // socket.
    template <class Buffers, class Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        return socket_.async_read_some(buffers, std::forward<Token>(token));
    }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        return socket_.async_write_some(buffers, std::forward<Token>(token));
    }

private:
    friend class DeadlineSweep;
    IoSocket socket_;
    DeadlineSweep& sweep_;
    Clock::time_point deadline_ = Clock::time_point::max();
    TimedSocket* previous_ = nullptr;  // the sweep's list of live sockets
    TimedSocket* next_ = nullptr;
};

// The sockets of one I/O thread and the timer that checks their deadlines. Used only on that
// thread. stop() must run before the io_context goes (the timer is its object); the sweep
// itself must outlive the sockets, which the io_context's destruction may destroy.
class DeadlineSweep {
public:
    explicit DeadlineSweep(boost::asio::io_context& ioc);
    ~DeadlineSweep();
    DeadlineSweep(const DeadlineSweep&) = delete;
    DeadlineSweep& operator=(const DeadlineSweep&) = delete;

    void stop();

private:
    friend class TimedSocket;
    using Timer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                    boost::asio::wait_traits<std::chrono::steady_clock>, IoExecutor>;

    void add(TimedSocket& socket);
    void remove(TimedSocket& socket);
    void arm();
    void sweep();

    std::optional<Timer> timer_;
    TimedSocket* first_ = nullptr;
    bool armed_ = false;
};

}  // namespace ambient::http::detail
