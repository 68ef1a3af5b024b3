// The notifier: listeners called with each notification's key, generations that move with
// every notification, and on PostgreSQL the LISTEN thread that carries keys between servers.
#include "api/notify/notifier.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/pg_cluster.hpp"

namespace ambient::api {
namespace {

using namespace std::chrono_literals;

// Collects what a listener heard, from any thread.
struct Heard {
    std::mutex mutex;
    std::vector<std::string> keys;
    void add(std::string_view key) {
        std::lock_guard lock(mutex);
        keys.emplace_back(key);
    }
    std::vector<std::string> snapshot() {
        std::lock_guard lock(mutex);
        return keys;
    }
    // Polls until `key` was heard; a deadline, not a delay.
    bool heard_within(const std::string& key, std::chrono::milliseconds deadline) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (std::chrono::steady_clock::now() < until) {
            for (const auto& k : snapshot()) {
                if (k == key) return true;
            }
            std::this_thread::sleep_for(5ms);
        }
        return false;
    }
};

TEST(Notifier, ListenersHearTheirChannelWithItsKey) {
    Notifier notifier;
    Heard events;
    Heard messages;
    notifier.listen(Channel::Events, [&](std::string_view key) { events.add(key); });
    notifier.listen(Channel::Messages, [&](std::string_view key) { messages.add(key); });
    notifier.notify(Channel::Messages, "session-1");
    notifier.notify(Channel::Events);
    EXPECT_EQ(messages.snapshot(), (std::vector<std::string>{"session-1"}));
    EXPECT_EQ(events.snapshot(), (std::vector<std::string>{""}));
}

TEST(Notifier, GenerationMovesBeforeListenersRun) {
    Notifier notifier;
    std::uint64_t seen_by_listener = 0;
    notifier.listen(Channel::Events,
                    [&](std::string_view) { seen_by_listener = notifier.generation(Channel::Events); });
    const auto before = notifier.generation(Channel::Events);
    notifier.notify(Channel::Events);
    EXPECT_EQ(notifier.generation(Channel::Events), before + 1);
    EXPECT_EQ(seen_by_listener, before + 1);
    EXPECT_EQ(notifier.generation(Channel::Messages), 0u);
}

TEST(Notifier, NotifyAllReachesEveryChannelWithoutAKey) {
    Notifier notifier;
    Heard heard;
    notifier.listen(Channel::Events, [&](std::string_view key) { heard.add("events:" + std::string(key)); });
    notifier.listen(Channel::Messages, [&](std::string_view key) { heard.add("messages:" + std::string(key)); });
    notifier.notify_all();
    EXPECT_EQ(heard.snapshot(), (std::vector<std::string>{"events:", "messages:"}));
}

TEST(Notifier, ClearedListenersHearNothing) {
    Notifier notifier;
    Heard heard;
    notifier.listen(Channel::Events, [&](std::string_view key) { heard.add(key); });
    notifier.clear_listeners();
    notifier.notify(Channel::Events, "x");
    EXPECT_TRUE(heard.snapshot().empty());
}

TEST(Notifier, ConcurrentNotifiesAreEachHeard) {
    Notifier notifier;
    std::atomic<int> count{0};
    notifier.listen(Channel::Messages, [&](std::string_view) { ++count; });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 250; ++i)
                notifier.notify(Channel::Messages, "s");
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(count.load(), 1000);
    EXPECT_EQ(notifier.generation(Channel::Messages), 1000u);
}

TEST(NotifierPostgres, KeysCrossServersAndTheListenerRecoversFromALostConnection) {
    const auto url = testing::PgCluster::shared().create_database("notify");
    auto db = store::open_postgres(url);
    auto lease = db->acquire();

    Notifier notifier;
    Heard events;
    Heard messages;
    notifier.listen(Channel::Events, [&](std::string_view key) { events.add(key); });
    notifier.listen(Channel::Messages, [&](std::string_view key) { messages.add(key); });
    notifier.listen_postgres(url);
    // Once LISTENing, the listener notifies every channel without a key (it may have missed
    // notifications).
    ASSERT_TRUE(events.heard_within("", 10s));

    {
        // NOTIFY inside a transaction is delivered, with its key, when it commits.
        store::Transaction tx(*lease, store::TxMode::Write);
        Notifier::notify_in_transaction(*lease, Channel::Messages, "session-42");
        tx.commit();
    }
    ASSERT_TRUE(messages.heard_within("session-42", 10s));

    // Cut the listener's connection: it reconnects and notifies everything again.
    const auto before = messages.snapshot().size();
    const auto killed = lease->exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'ambient-api-server-listen' AND datname = current_database()");
    ASSERT_EQ(killed.rows.size(), 1u);
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (messages.snapshot().size() == before && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(5ms);
    ASSERT_GT(messages.snapshot().size(), before);
    // That comes after the new LISTEN, so notifications sent from now on arrive.
    lease->exec("SELECT pg_notify('ambient_messages', 'after-reconnect')");
    EXPECT_TRUE(messages.heard_within("after-reconnect", 10s));
}

TEST(Notifier, ListenPostgresIgnoresNonPostgresLocations) {
    Notifier notifier;
    notifier.listen_postgres("/tmp/some-sqlite-dir");  // no thread, no error
    SUCCEED();
}

}  // namespace
}  // namespace ambient::api
