// Statements sent without waiting (Connection::send, PgPendingQuery), as an I/O thread's
// coroutine uses them: PostgreSQL only, on a fresh database of the shared test cluster.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>

#include "api/store/database.hpp"
#include "common/may_block.hpp"
#include "support/pg_cluster.hpp"

namespace ambient::store {
namespace {

using ::ambient::testing::PgCluster;

// What the I/O loop does for a pending query, with poll(2) in its place.
ResultSet wait_for(PendingQuery& query) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        pollfd fd{query.socket(), POLLIN, 0};
        ::poll(&fd, 1, 100);
        if (auto result = query.advance()) return *result;
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("no answer within 10 s");
    }
}

class PgPendingQueryTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        location_ = PgCluster::shared().create_database(info->name());
        DatabaseOptions options;
        options.pool_size = 2;
        db_ = open_postgres(location_, options);
        auto lease = db_->acquire();
        lease->exec_script(
            "CREATE TABLE items (id TEXT PRIMARY KEY, name TEXT NOT NULL);"
            "INSERT INTO items VALUES ('a', 'one'), ('b', 'two');");
    }

    void TearDown() override {
        db_.reset();
        PgCluster::shared().drop_database(location_);
    }

    std::string location_;
    std::unique_ptr<Database> db_;
};

TEST_F(PgPendingQueryTest, AnsweredWithoutBlockingLikeExec) {
    NonBlockingScope io_thread;
    auto lease = db_->acquire();  // the idle connection, lent where blocking is not allowed
    EXPECT_THROW(lease->exec("SELECT name FROM items WHERE id = ?", {std::string("a")}), WouldBlock);
    // The first time on this connection the statement is prepared, then run; the second
    // time it runs prepared. Both answer as exec() would.
    for (const char* id : {"a", "b"}) {
        auto query = lease->send("SELECT name FROM items WHERE id = ?", {std::string(id)});
        ASSERT_NE(query, nullptr);
        const auto result = wait_for(*query);
        ASSERT_EQ(result.rows.size(), 1u);
        EXPECT_EQ(std::get<std::string>(result.rows[0][0]), id == std::string("a") ? "one" : "two");
    }
    auto none = lease->send("SELECT name FROM items WHERE id = ?", {std::string("zzz")});
    EXPECT_TRUE(wait_for(*none).rows.empty());
}

TEST_F(PgPendingQueryTest, FailedStatementThrowsTheStoreErrorAndLeavesTheConnectionUsable) {
    auto lease = db_->acquire();
    {
        NonBlockingScope io_thread;
        auto query = lease->send("SELECT name FROM no_such_table WHERE id = ?", {std::string("a")});
        EXPECT_THROW(wait_for(*query), StoreError);
        auto next = lease->send("SELECT name FROM items WHERE id = ?", {std::string("a")});
        EXPECT_EQ(wait_for(*next).rows.size(), 1u);
    }
    EXPECT_EQ(lease->exec("SELECT count(*) FROM items").rows.size(), 1u);
}

// The server ends the session while the statement runs: the waiter gets Unavailable (a 503
// upstream), not a hang, and the pool replaces the connection.
TEST_F(PgPendingQueryTest, ConnectionLostMidStatementIsUnavailable) {
    if (PgCluster::shared().external()) GTEST_SKIP() << "terminates the server's backend processes";
    std::int64_t pid = 0;
    {
        auto lease = db_->acquire();
        pid = std::get<std::int64_t>(lease->exec("SELECT pg_backend_pid()").rows[0][0]);
        NonBlockingScope io_thread;
        auto query = lease->send("SELECT id FROM items, pg_sleep(30) WHERE id = ?", {std::string("a")});
        std::thread killer([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            auto admin = open_postgres(location_);
            auto conn = admin->acquire();
            conn->exec("SELECT pg_terminate_backend(?)", {pid});
        });
        const auto started = std::chrono::steady_clock::now();
        EXPECT_THROW(wait_for(*query), Unavailable);
        killer.join();
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    }
    auto lease = db_->acquire();
    EXPECT_NE(std::get<std::int64_t>(lease->exec("SELECT pg_backend_pid()").rows[0][0]), pid);
}

// An I/O thread takes only an idle connection: with every one lent out it would wait.
TEST_F(PgPendingQueryTest, NoIdleConnectionIsWouldBlock) {
    auto first = db_->acquire();
    auto second = db_->acquire();
    NonBlockingScope io_thread;
    EXPECT_THROW(db_->acquire(), WouldBlock);
}

}  // namespace
}  // namespace ambient::store
