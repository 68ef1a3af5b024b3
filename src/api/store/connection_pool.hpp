#pragma once
// The pool both drivers share: connections are opened lazily up to a fixed size, lent out
// one thread at a time, and waited for up to an acquire timeout. Drivers supply how to
// open a connection and the checks a connection passes when it is lent and returned.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
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
public:
    using Opener = std::function<std::unique_ptr<PooledConnection>()>;

    ConnectionPool(std::size_t size, std::chrono::milliseconds acquire_timeout, Opener open);
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    // An idle connection, a newly opened one while the pool is below its size, or the
    // first one returned within the acquire timeout; throws Unavailable otherwise, and
    // passes on the opener's exception.
    std::unique_ptr<PooledConnection> take();
    // Returns a connection taken from this pool. Never throws.
    void give_back(std::unique_ptr<Connection> conn) noexcept;
    // Adds a connection opened outside take() (the one a driver opens eagerly to report a
    // bad location at once) to the idle list.
    void adopt(std::unique_ptr<PooledConnection> conn);
    PoolStats stats() const;

private:
    const std::size_t size_;
    const std::chrono::milliseconds acquire_timeout_;
    const Opener open_;

    mutable std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<PooledConnection>> idle_;
    std::size_t open_count_ = 0;
    std::size_t in_use_ = 0;
    std::uint64_t waits_ = 0;
    std::uint64_t timeouts_ = 0;
};

}  // namespace ambient::store
