// A stream's wake-up: a notify from any thread ends the current or the next wait, never
// lost in between; without one, the wait ends at its deadline.
#include "common/http/wakeup.hpp"

#include <utility>  // before Asio (Boost 1.74)

#include <future>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

namespace ambient::http {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class WakeupTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (int i = 0; i < 2; ++i)
            threads_.emplace_back([this] { ioc_.run(); });
    }
    void TearDown() override {
        work_.reset();
        for (auto& t : threads_)
            t.join();
    }
    std::future<bool> wait(const std::shared_ptr<Wakeup>& w, std::chrono::milliseconds timeout) {
        return net::co_spawn(strand_, w->wait_until(Clock::now() + timeout), net::use_future);
    }

    net::io_context ioc_;
    net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
    net::strand<net::io_context::executor_type> strand_{ioc_.get_executor()};
    std::vector<std::thread> threads_;
};

TEST_F(WakeupTest, NotifyFromAnotherThreadEndsTheWait) {
    auto w = std::make_shared<Wakeup>(strand_);
    auto woken = wait(w, 60s);
    EXPECT_EQ(woken.wait_for(50ms), std::future_status::timeout);
    std::thread([w] { w->notify(); }).join();
    ASSERT_EQ(woken.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(woken.get());
}

TEST_F(WakeupTest, ANotifyBeforeTheWaitIsNotLost) {
    auto w = std::make_shared<Wakeup>(strand_);
    w->notify();
    auto woken = wait(w, 60s);
    ASSERT_EQ(woken.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(woken.get());
}

TEST_F(WakeupTest, WithoutANotifyTheWaitEndsAtItsDeadline) {
    auto w = std::make_shared<Wakeup>(strand_);
    const auto started = Clock::now();
    auto woken = wait(w, 100ms);
    ASSERT_EQ(woken.wait_for(5s), std::future_status::ready);
    EXPECT_FALSE(woken.get());
    EXPECT_GE(Clock::now() - started, 100ms);
}

TEST_F(WakeupTest, NoWakeUpLostUnderRacingNotifies) {
    auto w = std::make_shared<Wakeup>(strand_);
    for (int round = 0; round < 200; ++round) {
        auto woken = wait(w, 60s);
        std::thread([w] { w->notify(); }).join();
        ASSERT_EQ(woken.wait_for(5s), std::future_status::ready) << "round " << round;
        woken.get();
    }
}

}  // namespace
}  // namespace ambient::http
