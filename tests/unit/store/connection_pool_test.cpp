// The pool's one queue: threads that block and I/O-thread waiters that watch a descriptor,
// served first come, first served, with the acquire timeout applied to both.
#include <poll.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "api/store/connection_pool.hpp"
#include "common/may_block.hpp"

namespace ambient::store {
namespace {

using namespace std::chrono_literals;

class FakeConnection final : public PooledConnection {
public:
    explicit FakeConnection(bool* keep) : keep_(keep) {}
    ResultSet exec(std::string_view, const std::vector<SqlValue>&) override { return {}; }
    void exec_script(std::string_view) override {}
    Dialect dialect() const override { return Dialect::Postgres; }
    bool revive() noexcept override { return true; }
    bool recycle() noexcept override { return *keep_; }

private:
    bool* keep_;
};

bool readable(int fd, std::chrono::milliseconds within) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(within.count())) == 1;
}

class ConnectionPoolTest : public ::testing::Test {
protected:
    ConnectionPool make_pool(std::size_t size, std::chrono::milliseconds timeout) {
        return ConnectionPool(size, timeout, [this] { return std::make_unique<FakeConnection>(&keep_); });
    }

    // take_or_queue() as an I/O thread calls it: a place in the queue when all are busy.
    static std::unique_ptr<ConnectionPool::Waiter> queue_on_io_thread(ConnectionPool& pool) {
        NonBlockingScope io_thread;
        auto taken = pool.take_or_queue();
        auto* waiter = std::get_if<std::unique_ptr<ConnectionPool::Waiter>>(&taken);
        if (waiter == nullptr) return nullptr;
        return std::move(*waiter);
    }

    bool keep_ = true;
};

TEST_F(ConnectionPoolTest, AnIoThreadWaitsInTheQueueAndIsHandedTheFirstConnectionReturned) {
    auto pool = make_pool(1, 5000ms);
    auto busy = pool.take();
    auto* lent = busy.get();
    auto waiter = queue_on_io_thread(pool);
    ASSERT_NE(waiter, nullptr);
    EXPECT_FALSE(readable(waiter->fd(), 50ms));
    EXPECT_EQ(waiter->poll(), nullptr);
    EXPECT_EQ(pool.stats().waits, 1u);

    pool.give_back(std::move(busy));
    ASSERT_TRUE(readable(waiter->fd(), 5000ms));
    NonBlockingScope io_thread;
    auto got = waiter->poll();
    EXPECT_EQ(got.get(), lent);
    EXPECT_EQ(pool.stats().in_use, 1u);
    pool.give_back(std::move(got));
    EXPECT_EQ(pool.stats().in_use, 0u);
}

TEST_F(ConnectionPoolTest, AnIdleConnectionIsLentAtOnceOnAnIoThread) {
    auto pool = make_pool(1, 5000ms);
    pool.give_back(pool.take());  // opened once, idle now
    NonBlockingScope io_thread;
    auto taken = pool.take_or_queue();
    EXPECT_TRUE(std::holds_alternative<std::unique_ptr<PooledConnection>>(taken));
}

TEST_F(ConnectionPoolTest, OpeningAConnectionIsLeftToAWorker) {
    auto pool = make_pool(2, 5000ms);
    NonBlockingScope io_thread;
    EXPECT_THROW(pool.take_or_queue(), WouldBlock);
}

TEST_F(ConnectionPoolTest, WaitersAreServedInTheOrderTheyCame) {
    auto pool = make_pool(1, 5000ms);
    auto busy = pool.take();
    auto first = queue_on_io_thread(pool);
    auto second = queue_on_io_thread(pool);
    pool.give_back(std::move(busy));
    ASSERT_TRUE(readable(first->fd(), 5000ms));
    EXPECT_FALSE(readable(second->fd(), 50ms));
    auto got = first->poll();
    ASSERT_NE(got, nullptr);
    pool.give_back(std::move(got));
    ASSERT_TRUE(readable(second->fd(), 5000ms));
    EXPECT_NE(second->poll(), nullptr);
}

TEST_F(ConnectionPoolTest, ABlockedThreadAndAWaiterShareOneQueue) {
    auto pool = make_pool(1, 5000ms);
    auto busy = pool.take();
    std::atomic<bool> thread_got{false};
    std::thread blocked([&] {
        auto conn = pool.take();  // queued first
        thread_got = true;
        pool.give_back(std::move(conn));
    });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (pool.stats().waits < 1 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    ASSERT_EQ(pool.stats().waits, 1u);
    auto waiter = queue_on_io_thread(pool);  // second
    pool.give_back(std::move(busy));
    blocked.join();
    EXPECT_TRUE(thread_got);
    ASSERT_TRUE(readable(waiter->fd(), 5000ms));  // the thread's give_back handed it on
    EXPECT_NE(waiter->poll(), nullptr);
}

TEST_F(ConnectionPoolTest, AWaiterGivesUpAfterTheAcquireTimeout) {
    auto pool = make_pool(1, 100ms);
    auto busy = pool.take();
    auto waiter = queue_on_io_thread(pool);
    ASSERT_TRUE(readable(waiter->fd(), 5000ms));
    EXPECT_THROW(waiter->poll(), Unavailable);
    EXPECT_EQ(pool.stats().timeouts, 1u);
    waiter.reset();
    pool.give_back(std::move(busy));
    EXPECT_EQ(pool.stats().in_use, 0u);  // idle, not handed to the waiter that left
}

TEST_F(ConnectionPoolTest, AWaiterDestroyedWithAConnectionHandedToItPassesItOn) {
    auto pool = make_pool(1, 5000ms);
    auto busy = pool.take();
    auto gone = queue_on_io_thread(pool);  // its client hung up, say
    auto next = queue_on_io_thread(pool);
    pool.give_back(std::move(busy));
    ASSERT_TRUE(readable(gone->fd(), 5000ms));
    gone.reset();
    ASSERT_TRUE(readable(next->fd(), 5000ms));
    EXPECT_NE(next->poll(), nullptr);
}

TEST_F(ConnectionPoolTest, AConnectionThatClosesSendsTheFirstWaiterToAWorkerToOpenOne) {
    auto pool = make_pool(1, 5000ms);
    auto busy = pool.take();
    auto waiter = queue_on_io_thread(pool);
    keep_ = false;  // recycle() refuses it: closed
    pool.give_back(std::move(busy));
    ASSERT_TRUE(readable(waiter->fd(), 5000ms));
    EXPECT_THROW(waiter->poll(), WouldBlock);
    EXPECT_EQ(pool.stats().open, 0u);
}

}  // namespace
}  // namespace ambient::store
