#pragma once
// How an open stream sleeps until something concerns it. The stream (a coroutine on its
// connection's strand) waits; the parts that find new rows or revocations call notify()
// from any thread. A notify() that comes before the wait makes the wait return at once, so
// no wake-up is ever lost between a stream's last look and its sleep.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <atomic>
#include <chrono>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace ambient::http {

class Wakeup : public std::enable_shared_from_this<Wakeup> {
public:
    // `executor`: the waiting coroutine's (a connection's strand).
    explicit Wakeup(boost::asio::any_io_executor executor);

    // Thread-safe. Wakes the current or the next wait.
    void notify();
    // Returns when notified (true) or at `deadline` (false). One waiter at a time, on the
    // executor given at construction.
    boost::asio::awaitable<bool> wait_until(std::chrono::steady_clock::time_point deadline);

private:
    boost::asio::any_io_executor executor_;
    boost::asio::steady_timer timer_;
    std::atomic<bool> pending_{false};
};

}  // namespace ambient::http
