#include "api/store/connection_pool.hpp"

#include "common/may_block.hpp"

#include <string>
#include <utility>

namespace ambient::store {

ConnectionPool::ConnectionPool(std::size_t size, std::chrono::milliseconds acquire_timeout, Opener open)
    : size_(size == 0 ? 1 : size), acquire_timeout_(acquire_timeout), open_(std::move(open)) {}

std::unique_ptr<PooledConnection> ConnectionPool::take() {
    const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
    bool counted_wait = false;
    std::unique_lock lock(mutex_);
    for (;;) {
        if (!idle_.empty()) {
            auto conn = std::move(idle_.back());
            idle_.pop_back();
            ++in_use_;
            // revive() may reconnect, which can take a while: never hold the pool lock
            // over network round trips.
            lock.unlock();
            if (conn->revive()) return conn;
            conn.reset();
            lock.lock();
            --in_use_;
            --open_count_;
            continue;  // the slot is free again: the next pass opens a fresh connection
        }
        // An I/O thread takes only an idle connection: opening one, or waiting for one, is
        // for a worker.
        if (!may_block()) throw WouldBlock();
        if (open_count_ < size_) {
            ++open_count_;
            ++in_use_;
            lock.unlock();
            try {
                return open_();
            } catch (...) {
                lock.lock();
                --open_count_;
                --in_use_;
                // Another waiter may be able to open where this attempt failed.
                returned_.notify_one();
                throw;
            }
        }
        if (!counted_wait) {
            ++waits_;
            counted_wait = true;
        }
        if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_count_ >= size_) {
            ++timeouts_;
            throw Unavailable("connection pool exhausted: all " + std::to_string(size_) + " connections busy for " +
                              std::to_string(acquire_timeout_.count()) + " ms");
        }
    }
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) noexcept {
    if (!conn) return;
    // Every connection lent by this pool was made by its opener, so it is a PooledConnection.
    std::unique_ptr<PooledConnection> pooled(static_cast<PooledConnection*>(conn.release()));
    const bool keep = pooled->recycle();
    if (!keep) pooled.reset();  // close outside the lock
    {
        std::lock_guard lock(mutex_);
        --in_use_;
        if (keep) {
            idle_.push_back(std::move(pooled));
        } else {
            --open_count_;
        }
    }
    returned_.notify_one();
}

void ConnectionPool::adopt(std::unique_ptr<PooledConnection> conn) {
    {
        std::lock_guard lock(mutex_);
        ++open_count_;
        idle_.push_back(std::move(conn));
    }
    returned_.notify_one();
}

PoolStats ConnectionPool::stats() const {
    std::lock_guard lock(mutex_);
    PoolStats s;
    s.size = size_;
    s.open = open_count_;
    s.in_use = in_use_;
    s.waits = waits_;
    s.timeouts = timeouts_;
    return s;
}

}  // namespace ambient::store
