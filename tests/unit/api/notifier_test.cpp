// The in-process wake-up: waiters on strands woken from other threads, no lost wake-ups.
#include "api/notify/notifier.hpp"

#include <utility>  // before Asio (Boost 1.74)

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#include "support/pg_cluster.hpp"

namespace ambient::api {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

// An io_context run by two threads, so waits resume on a thread other than the notifier's.
class NotifierTest : public ::testing::Test {
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

    // Starts notifier_.wait() on its own strand; the future holds its result.
    std::future<bool> start_wait(Channel channel, std::uint64_t seen, std::chrono::milliseconds timeout) {
        return net::co_spawn(net::make_strand(ioc_), notifier_.wait(channel, seen, timeout), net::use_future);
    }

    Notifier notifier_;
    net::io_context ioc_;
    net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
    std::vector<std::thread> threads_;
};

TEST_F(NotifierTest, WaiterWakesOnNotifyFromAnotherThread) {
    const auto seen = notifier_.generation(Channel::Events);
    auto woken = start_wait(Channel::Events, seen, 60s);
    EXPECT_EQ(woken.wait_for(50ms), std::future_status::timeout);
    std::thread([this] { notifier_.notify(Channel::Events); }).join();
    ASSERT_EQ(woken.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(woken.get());
    EXPECT_EQ(notifier_.generation(Channel::Events), seen + 1);
}

TEST_F(NotifierTest, ReturnsAtOnceWhenGenerationAlreadyMoved) {
    const auto seen = notifier_.generation(Channel::Messages);
    notifier_.notify(Channel::Messages);
    auto woken = start_wait(Channel::Messages, seen, 60s);
    ASSERT_EQ(woken.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(woken.get());
}

TEST_F(NotifierTest, TimeoutReturnsFalse) {
    const auto seen = notifier_.generation(Channel::Events);
    const auto started = std::chrono::steady_clock::now();
    auto woken = start_wait(Channel::Events, seen, 100ms);
    ASSERT_EQ(woken.wait_for(5s), std::future_status::ready);
    EXPECT_FALSE(woken.get());
    EXPECT_GE(std::chrono::steady_clock::now() - started, 100ms);
}

TEST_F(NotifierTest, OtherChannelDoesNotWake) {
    const auto seen = notifier_.generation(Channel::Events);
    auto woken = start_wait(Channel::Events, seen, 200ms);
    notifier_.notify(Channel::Messages);
    ASSERT_EQ(woken.wait_for(5s), std::future_status::ready);
    EXPECT_FALSE(woken.get());
}

TEST_F(NotifierTest, ManyWaitersAllWake) {
    const auto seen = notifier_.generation(Channel::Events);
    std::vector<std::future<bool>> waits;
    for (int i = 0; i < 100; ++i)
        waits.push_back(start_wait(Channel::Events, seen, 60s));
    notifier_.notify(Channel::Events);
    for (auto& w : waits) {
        ASSERT_EQ(w.wait_for(5s), std::future_status::ready);
        EXPECT_TRUE(w.get());
    }
}

TEST_F(NotifierTest, NoWakeUpLostUnderRacingNotifies) {
    // Each round races a wait against a notify from another thread; whichever wins, the
    // wait must end well before its long timeout.
    for (int round = 0; round < 200; ++round) {
        const auto seen = notifier_.generation(Channel::Events);
        auto woken = start_wait(Channel::Events, seen, 60s);
        std::thread([this] { notifier_.notify(Channel::Events); }).join();
        ASSERT_EQ(woken.wait_for(5s), std::future_status::ready) << "round " << round;
        EXPECT_TRUE(woken.get());
    }
}

TEST_F(NotifierTest, NotifyAllWakesEveryChannel) {
    auto events = start_wait(Channel::Events, notifier_.generation(Channel::Events), 60s);
    auto messages = start_wait(Channel::Messages, notifier_.generation(Channel::Messages), 60s);
    notifier_.notify_all();
    ASSERT_EQ(events.wait_for(5s), std::future_status::ready);
    ASSERT_EQ(messages.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(events.get());
    EXPECT_TRUE(messages.get());
}

// Polls until the channel's generation passes `floor`; a deadline, not a delay.
bool generation_passes(const Notifier& notifier, Channel channel, std::uint64_t floor) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (notifier.generation(channel) > floor) return true;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

TEST(NotifierPostgres, ListenerWakesOnNotifyAndRecoversFromALostConnection) {
    const auto url = testing::PgCluster::shared().create_database("notify");
    auto db = store::open_postgres(url);
    auto lease = db->acquire();
    auto send = [&](const char* channel) { lease->exec("SELECT pg_notify(?, '')", {std::string(channel)}); };

    Notifier notifier;
    notifier.listen_postgres(url);
    // Once LISTENing, the listener wakes every channel (it may have missed notifications).
    ASSERT_TRUE(generation_passes(notifier, Channel::Events, 0));

    auto seen = notifier.generation(Channel::Events);
    send("ambient_events");
    ASSERT_TRUE(generation_passes(notifier, Channel::Events, seen));

    seen = notifier.generation(Channel::Messages);
    {
        // NOTIFY inside a transaction is delivered when it commits.
        store::Transaction tx(*lease, store::TxMode::Write);
        Notifier::notify_in_transaction(*lease, Channel::Messages);
        tx.commit();
    }
    ASSERT_TRUE(generation_passes(notifier, Channel::Messages, seen));

    // Cut the listener's connection: it reconnects and wakes everything again.
    seen = notifier.generation(Channel::Events);
    const auto killed = lease->exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'ambient-api-server-listen' AND datname = current_database()");
    ASSERT_EQ(killed.rows.size(), 1u);
    ASSERT_TRUE(generation_passes(notifier, Channel::Events, seen));
    // That wake-up comes after the new LISTEN, so notifications sent from now on arrive.
    seen = notifier.generation(Channel::Events);
    send("ambient_events");
    ASSERT_TRUE(generation_passes(notifier, Channel::Events, seen));
}

TEST_F(NotifierTest, ListenPostgresIgnoresNonPostgresLocations) {
    notifier_.listen_postgres("/tmp/some-sqlite-dir");  // no thread, no error
    SUCCEED();
}

}  // namespace
}  // namespace ambient::api
