// The message fan-out: one read per session's change, shared frames to the session's
// readers only, and readers further behind than memory sent to the table.
#include "api/streams/message_feeds.hpp"

#include <utility>  // before Asio (Boost 1.74)

#include <future>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include "api/schema_migrations.hpp"
#include "api/store/migrations.hpp"
#include "support/server_process.hpp"

namespace ambient::api::streams {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class MessageFeedsTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = store::open_sqlite(dir_.path().string());
        store::apply_migrations(*db_, schema_migrations());
        io_thread_ = std::thread([this] { ioc_.run(); });
    }
    void TearDown() override {
        feeds_.reset();
        pool_.stop();
        pool_.join();
        work_.reset();
        io_thread_.join();
    }
    MessageFeeds& feeds(MessageFeedOptions options = {}) {
        if (!feeds_) feeds_ = std::make_unique<MessageFeeds>(*db_, pool_, options);
        return *feeds_;
    }
    std::int64_t append(const std::string& session, const std::string& payload) {
        std::int64_t seq = 0;
        {
            auto lease = db_->acquire();
            store::Transaction tx(lease, store::TxMode::Write);
            seq = append_message(*lease, session, "user", payload).seq;
            tx.commit();
        }
        feeds().on_notify(session);
        return seq;
    }
    std::shared_ptr<Wakeup> wakeup() { return std::make_shared<Wakeup>(strand_); }
    bool woken(const std::shared_ptr<Wakeup>& w, std::chrono::milliseconds deadline) {
        return net::co_spawn(strand_, w->wait_until(Clock::now() + deadline), net::use_future).get();
    }

    testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
    net::thread_pool pool_{2};
    net::io_context ioc_;
    net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
    net::strand<net::io_context::executor_type> strand_{ioc_.get_executor()};
    std::thread io_thread_;
    std::unique_ptr<MessageFeeds> feeds_;
};

TEST_F(MessageFeedsTest, ASessionsMessageReachesItsReadersAsOneSharedFrame) {
    const auto start = append("s1", "before anyone listened");
    auto a = feeds().subscribe("s1");
    auto b = feeds().subscribe("s1");
    auto other = feeds().subscribe("s2");
    auto wa = wakeup();
    auto wb = wakeup();
    auto wo = wakeup();
    a->attach(wa);
    b->attach(wb);
    other->attach(wo);
    EXPECT_EQ(feeds().feed_count(), 2u);

    const auto seq = append("s1", "hello");
    EXPECT_TRUE(woken(wa, 5s));
    EXPECT_TRUE(woken(wb, 5s));
    EXPECT_FALSE(woken(wo, 200ms));
    const auto ba = a->take(start);
    const auto bb = b->take(start);
    ASSERT_EQ(ba.frames.size(), 1u);
    ASSERT_EQ(bb.frames.size(), 1u);
    EXPECT_EQ(ba.frames[0], bb.frames[0]);  // the same rendered bytes, shared
    EXPECT_NE(ba.frames[0]->find("id: " + std::to_string(seq) + "\n"), std::string::npos);
    EXPECT_NE(ba.frames[0]->find("hello"), std::string::npos);
    EXPECT_EQ(ba.cursor, seq);
    EXPECT_TRUE(a->take(seq).frames.empty());
}

TEST_F(MessageFeedsTest, AReaderOlderThanMemoryIsToldToReadTheTable) {
    feeds({.max_messages = 2});
    const auto first = append("s", "m0");
    auto reader = feeds().subscribe("s");
    auto w = wakeup();
    reader->attach(w);
    // Older than the feed's start: the table.
    EXPECT_TRUE(reader->take(first - 1).behind);
    std::int64_t last = first;
    for (int i = 1; i <= 4; ++i)
        last = append("s", "m" + std::to_string(i));
    // The feed takes new messages in asynchronously and in order: once the last one is in
    // memory, all are (waiting for less raced the feed's later reads).
    const auto until = Clock::now() + 5s;
    while (reader->take(last - 1).frames.size() != 1 && Clock::now() < until)
        std::this_thread::sleep_for(2ms);
    const auto batch = reader->take(first);
    EXPECT_TRUE(batch.behind);  // memory keeps the newest two only
    const auto recent = reader->take(batch.floor);
    EXPECT_FALSE(recent.behind);
    EXPECT_EQ(recent.frames.size(), 2u);
}

TEST_F(MessageFeedsTest, AFeedGoesWithItsLastReader) {
    {
        auto reader = feeds().subscribe("s");
        EXPECT_EQ(feeds().feed_count(), 1u);
    }
    EXPECT_EQ(feeds().feed_count(), 0u);
}

}  // namespace
}  // namespace ambient::api::streams
