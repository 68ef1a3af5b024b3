#include "api/store/connection_pool.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "common/may_block.hpp"

namespace ambient::store {

namespace {

// Arms a timerfd to expire `after` from now (at least a nanosecond: zero would disarm it).
void arm(int timer, std::chrono::nanoseconds after) {
    itimerspec spec{};
    const auto ns = std::max<std::int64_t>(after.count(), 1);
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    ::timerfd_settime(timer, 0, &spec, nullptr);
}

}  // namespace

ConnectionPool::ConnectionPool(std::size_t size, std::chrono::milliseconds acquire_timeout, Opener open)
    : size_(size == 0 ? 1 : size), acquire_timeout_(acquire_timeout), open_(std::move(open)) {}

std::unique_ptr<PooledConnection> ConnectionPool::take_idle(std::unique_lock<std::mutex>& lock) {
    while (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        ++in_use_;
        // revive() may reconnect, which can take a while: never hold the pool lock over
        // network round trips.
        lock.unlock();
        if (auto alive = revived(std::move(conn))) return alive;
        lock.lock();
    }
    lock.unlock();
    return nullptr;
}

std::unique_ptr<PooledConnection> ConnectionPool::revived(std::unique_ptr<PooledConnection> conn) {
    if (conn->revive()) return conn;
    conn.reset();
    std::lock_guard lock(mutex_);
    --in_use_;
    --open_count_;  // the slot is free again: a borrower may open a fresh connection
    wake_first();
    return nullptr;
}

std::unique_ptr<PooledConnection> ConnectionPool::take() {
    const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
    bool counted_wait = false;
    for (;;) {
        std::unique_lock lock(mutex_);
        if (queue_.empty() && !idle_.empty()) {
            if (auto conn = take_idle(lock)) return conn;
            continue;
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
                wake_first();
                throw;
            }
        }
        if (!counted_wait) {
            ++waits_;
            counted_wait = true;
        }
        auto slot = std::make_shared<Slot>();
        queue_.push_back(slot);
        returned_.wait_until(lock, deadline, [&] { return slot->handed || open_count_ < size_; });
        if (slot->handed) {
            auto conn = std::move(slot->handed);
            lock.unlock();
            if (auto alive = revived(std::move(conn))) return alive;
            continue;
        }
        leave_queue(slot);
        if (open_count_ < size_) continue;
        ++timeouts_;
        throw Unavailable("connection pool exhausted: all " + std::to_string(size_) + " connections busy for " +
                          std::to_string(acquire_timeout_.count()) + " ms");
    }
}

std::variant<std::unique_ptr<PooledConnection>, std::unique_ptr<ConnectionPool::Waiter>>
ConnectionPool::take_or_queue() {
    if (may_block()) return take();
    std::unique_lock lock(mutex_);
    while (queue_.empty() && !idle_.empty()) {
        if (auto conn = take_idle(lock)) return conn;
        lock.lock();
    }
    if (open_count_ < size_) throw WouldBlock();
    const int timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer < 0) throw WouldBlock();  // out of descriptors: a worker waits instead
    auto slot = std::make_shared<Slot>();
    slot->timer = timer;
    const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
    arm(timer, acquire_timeout_);  // armed after the deadline was taken: it never fires early
    queue_.push_back(slot);
    ++waits_;
    return std::make_unique<Waiter>(*this, std::move(slot), deadline);
}

void ConnectionPool::hand_over(std::unique_ptr<PooledConnection> conn) {
    if (queue_.empty()) {
        idle_.push_back(std::move(conn));
        return;
    }
    auto slot = std::move(queue_.front());
    queue_.pop_front();
    ++in_use_;
    slot->handed = std::move(conn);
    if (slot->timer >= 0) {
        arm(slot->timer, std::chrono::nanoseconds(1));
    } else {
        returned_.notify_all();  // each blocked thread checks its own slot
    }
}

void ConnectionPool::wake_first() {
    if (queue_.empty()) return;
    if (queue_.front()->timer >= 0) {
        arm(queue_.front()->timer, std::chrono::nanoseconds(1));
    } else {
        returned_.notify_all();
    }
}

void ConnectionPool::leave_queue(const std::shared_ptr<Slot>& slot) {
    queue_.erase(std::remove(queue_.begin(), queue_.end(), slot), queue_.end());
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) noexcept {
    if (!conn) return;
    // Every connection lent by this pool was made by its opener, so it is a PooledConnection.
    std::unique_ptr<PooledConnection> pooled(static_cast<PooledConnection*>(conn.release()));
    const bool keep = pooled->recycle();
    if (!keep) pooled.reset();  // close outside the lock
    std::lock_guard lock(mutex_);
    --in_use_;
    if (keep) {
        hand_over(std::move(pooled));
    } else {
        --open_count_;
        wake_first();
    }
}

void ConnectionPool::adopt(std::unique_ptr<PooledConnection> conn) {
    std::lock_guard lock(mutex_);
    ++open_count_;
    hand_over(std::move(conn));
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

ConnectionPool::Waiter::Waiter(ConnectionPool& pool, std::shared_ptr<Slot> slot,
                               std::chrono::steady_clock::time_point deadline)
    : pool_(pool), slot_(std::move(slot)), deadline_(deadline) {}

ConnectionPool::Waiter::~Waiter() {
    std::unique_ptr<PooledConnection> unused;
    {
        std::lock_guard lock(pool_.mutex_);
        pool_.leave_queue(slot_);
        unused = std::move(slot_->handed);
        // Closed under the lock: a giver arms the timer only while holding it.
        ::close(slot_->timer);
        slot_->timer = -1;
    }
    if (unused) pool_.give_back(std::move(unused));
}

int ConnectionPool::Waiter::fd() const {
    return slot_->timer;
}

std::unique_ptr<PooledConnection> ConnectionPool::Waiter::poll() {
    std::uint64_t expirations = 0;
    while (::read(slot_->timer, &expirations, sizeof expirations) < 0 && errno == EINTR) {
    }
    std::unique_lock lock(pool_.mutex_);
    if (slot_->handed) {
        auto conn = std::move(slot_->handed);
        lock.unlock();
        if (auto alive = pool_.revived(std::move(conn))) return alive;
        throw WouldBlock();  // it was dead and its place is free: a worker opens a new one
    }
    if (pool_.open_count_ < pool_.size_) {
        pool_.leave_queue(slot_);
        throw WouldBlock();
    }
    if (std::chrono::steady_clock::now() >= deadline_) {
        pool_.leave_queue(slot_);
        ++pool_.timeouts_;
        throw Unavailable("connection pool exhausted: all " + std::to_string(pool_.size_) + " connections busy for " +
                          std::to_string(pool_.acquire_timeout_.count()) + " ms");
    }
    arm(slot_->timer, deadline_ - std::chrono::steady_clock::now());  // woken early for nothing
    return nullptr;
}

}  // namespace ambient::store
