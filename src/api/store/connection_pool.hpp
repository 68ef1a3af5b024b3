#pragma once
// The pool both drivers share: connections are opened lazily up to a fixed size, lent out
// one thread at a time, and waited for up to an acquire timeout. Drivers supply how to
// open a connection and the checks a connection passes when it is lent and returned.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <variant>
#include <vector>

#include "api/store/database.hpp"

namespace ambient::store {

// What the pool needs from a driver's connection besides running SQL.
class PooledConnection : public Connection {
public:
    // Called before an idle connection is lent; false drops it and the pool opens a new
    // one. PostgreSQL reconnects a broken connection here.
    virtual bool revive() noexcept = 0;
    // Called when the connection comes back; false drops it. Rolls back a transaction the
    // borrower left open so the next borrower starts clean.
    virtual bool recycle() noexcept = 0;
};

class ConnectionPool {
    struct Slot;

public:
    using Opener = std::function<std::unique_ptr<PooledConnection>()>;

    // A place in the queue for a connection, held by code that must not block (a request
    // answered on an I/O thread): fd() becomes readable when a connection was handed to it,
    // when the acquire timeout passed, or when a connection closed and the pool has room to
    // open one (a worker's job, as opening blocks). Destroying it leaves the queue and passes
    // on a connection handed to it but not yet taken.
    class Waiter {
    public:
        Waiter(ConnectionPool& pool, std::shared_ptr<Slot> slot, std::chrono::steady_clock::time_point deadline);
        Waiter(const Waiter&) = delete;
        Waiter& operator=(const Waiter&) = delete;
        ~Waiter();
        int fd() const;
        // The connection once handed over, nullptr to wait for fd() again. Throws Unavailable
        // past the acquire timeout, WouldBlock when a connection has to be opened instead.
        std::unique_ptr<PooledConnection> poll();

    private:
        ConnectionPool& pool_;
        std::shared_ptr<Slot> slot_;
        std::chrono::steady_clock::time_point deadline_;
    };

    ConnectionPool(std::size_t size, std::chrono::milliseconds acquire_timeout, Opener open);
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    // An idle connection, a newly opened one while the pool is below its size, or the
    // first one returned within the acquire timeout; throws Unavailable otherwise, and
    // passes on the opener's exception.
    std::unique_ptr<PooledConnection> take();
    // Where blocking is not allowed: an idle connection, or else a place in the queue.
    // Throws WouldBlock when the pool has room to open a connection (opening blocks).
    // Connections returned go to the queue first come, first served, blocked threads and
    // waiters alike.
    std::variant<std::unique_ptr<PooledConnection>, std::unique_ptr<Waiter>> take_or_queue();
    // Returns a connection taken from this pool. Never throws.
    void give_back(std::unique_ptr<Connection> conn) noexcept;
    // Adds a connection opened outside take() (the one a driver opens eagerly to report a
    // bad location at once) to the idle list.
    void adopt(std::unique_ptr<PooledConnection> conn);
    PoolStats stats() const;

private:
    // One borrower waiting for a connection: a blocked thread (timer -1) or a Waiter.
    struct Slot {
        std::unique_ptr<PooledConnection> handed;
        int timer = -1;  // a Waiter's timerfd: armed at its deadline, fired at once to wake it
    };

    // An idle connection, revived; nullptr when there is none. Called with the lock held,
    // which it releases.
    std::unique_ptr<PooledConnection> take_idle(std::unique_lock<std::mutex>& lock);
    // Revives a connection handed to a slot; nullptr when it is dead (its place is freed).
    std::unique_ptr<PooledConnection> revived(std::unique_ptr<PooledConnection> conn);
    // Hands `conn` to the first waiting slot, or makes it idle. Lock held.
    void hand_over(std::unique_ptr<PooledConnection> conn);
    // Wakes the first waiting slot without a connection (one closed: there is room to open).
    void wake_first();
    void leave_queue(const std::shared_ptr<Slot>& slot);

    const std::size_t size_;
    const std::chrono::milliseconds acquire_timeout_;
    const Opener open_;

    mutable std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<PooledConnection>> idle_;
    std::deque<std::shared_ptr<Slot>> queue_;
    std::size_t open_count_ = 0;
    std::size_t in_use_ = 0;
    std::uint64_t waits_ = 0;
    std::uint64_t timeouts_ = 0;
};

}  // namespace ambient::store
