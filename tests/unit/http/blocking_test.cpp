#include "common/http/blocking.hpp"

#include <gtest/gtest.h>

#include <future>
#include <stdexcept>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace ambient::http {
namespace {

namespace net = boost::asio;

// Runs `coro` on an io_context driven by this thread, with a worker pool alongside.
template <class Coro>
void run_on_io(Coro coro) {
    net::io_context ioc;
    std::exception_ptr error;
    net::co_spawn(ioc, std::move(coro), [&](std::exception_ptr e) { error = e; });
    ioc.run();
    if (error) std::rethrow_exception(error);
}

TEST(RunBlocking, RunsOnThePoolAndResumesOnTheCallersExecutor) {
    net::thread_pool pool(2);
    const auto io_thread = std::this_thread::get_id();
    std::thread::id ran_on, resumed_on;
    int value = 0;
    run_on_io([&]() -> net::awaitable<void> {
        value = co_await run_blocking(pool, [&] {
            ran_on = std::this_thread::get_id();
            return 42;
        });
        resumed_on = std::this_thread::get_id();
    });
    EXPECT_EQ(value, 42);
    EXPECT_NE(ran_on, io_thread);
    EXPECT_EQ(resumed_on, io_thread);
    pool.join();
}

TEST(RunBlocking, PropagatesExceptions) {
    net::thread_pool pool(1);
    std::string caught;
    run_on_io([&]() -> net::awaitable<void> {
        try {
            co_await run_blocking(pool, []() -> int { throw std::invalid_argument("bad input"); });
        } catch (const std::invalid_argument& e) {
            caught = e.what();
        }
    });
    EXPECT_EQ(caught, "bad input");
    pool.join();
}

TEST(RunBlocking, SupportsVoidAndMoveOnlyResults) {
    net::thread_pool pool(1);
    bool ran = false;
    std::unique_ptr<int> moved;
    run_on_io([&]() -> net::awaitable<void> {
        co_await run_blocking(pool, [&] { ran = true; });
        moved = co_await run_blocking(pool, [] { return std::make_unique<int>(7); });
    });
    EXPECT_TRUE(ran);
    ASSERT_TRUE(moved);
    EXPECT_EQ(*moved, 7);
    pool.join();
}

}  // namespace
}  // namespace ambient::http
