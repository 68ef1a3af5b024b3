// The storage layer against both backends: one suite, instantiated for SQLite (a temp
// directory per test) and PostgreSQL (a fresh database per test on the shared cluster).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "api/store/database.hpp"
#include "api/store/migrations.hpp"
#include "common/may_block.hpp"
#include "support/pg_cluster.hpp"

namespace ambient::store {
namespace {

namespace fs = std::filesystem;
using ::ambient::testing::PgCluster;

std::string backend_name(const ::testing::TestParamInfo<Dialect>& info) {
    return info.param == Dialect::Sqlite ? "Sqlite" : "Postgres";
}

class StoreTest : public ::testing::TestWithParam<Dialect> {
protected:
    void SetUp() override {
        if (sqlite()) {
            std::string pattern = (fs::temp_directory_path() / "ambient-store-test-XXXXXX").string();
            ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
            temp_dir_ = pattern;
            location_ = (temp_dir_ / "nested" / "data").string();  // not there yet
        } else {
            const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
            location_ = PgCluster::shared().create_database(info->name());
        }
        db_ = open();
    }

    void TearDown() override {
        db_.reset();
        if (sqlite()) {
            std::error_code ec;
            fs::remove_all(temp_dir_, ec);
        } else if (!location_.empty()) {
            PgCluster::shared().drop_database(location_);
        }
    }

    bool sqlite() const { return GetParam() == Dialect::Sqlite; }

    std::unique_ptr<Database> open(const DatabaseOptions& options = {}) const {
        return sqlite() ? open_sqlite(location_, options) : open_postgres(location_, options);
    }

    // Column types spelled so both drivers convert the cells the same way.
    std::string timestamp_type() const { return sqlite() ? "TIMESTAMP" : "TIMESTAMPTZ"; }

    void exec(const std::string& sql, const std::vector<SqlValue>& params = {}) {
        auto lease = db_->acquire();
        lease->exec(sql, params);
    }

    std::int64_t count(const std::string& table) {
        auto lease = db_->acquire();
        auto rs = lease->exec("SELECT count(*) FROM " + table);
        return std::get<std::int64_t>(rs.rows.at(0).at(0));
    }

    bool table_exists(const std::string& table) {
        auto lease = db_->acquire();
        auto rs = sqlite() ? lease->exec("SELECT count(*) FROM sqlite_master WHERE name = ?", {table})
                           : lease->exec("SELECT count(*) FROM pg_tables WHERE tablename = ?", {table});
        return std::get<std::int64_t>(rs.rows.at(0).at(0)) > 0;
    }

    fs::path temp_dir_;
    std::string location_;
    std::unique_ptr<Database> db_;
};

TEST_P(StoreTest, ReportsItsDialectAndPings) {
    EXPECT_EQ(db_->dialect(), GetParam());
    EXPECT_NO_THROW(db_->ping());
    auto lease = db_->acquire();
    EXPECT_EQ(lease->dialect(), GetParam());
    EXPECT_EQ(lease->owner(), db_.get());
}

TEST_P(StoreTest, SqliteCreatesAPrivateDataDirectory) {
    if (!sqlite()) GTEST_SKIP() << "SQLite only";
    struct stat st {};
    ASSERT_EQ(::stat(location_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_TRUE(fs::exists(fs::path(location_) / "ambient.db"));
}

TEST_P(StoreTest, RoundTripsEveryValueTypeAndNull) {
    exec(
        "CREATE TABLE vals (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, b BOOLEAN, "
        "s TEXT, ts " +
        timestamp_type() + ")");
    const std::string text = "it's \"quoted\" – ünïcødé ? ; -- not a comment";
    const std::string stamp = "2026-11-28T14:55:00.123456Z";
    const std::int64_t big = std::numeric_limits<std::int64_t>::max();
    const std::int64_t small = std::numeric_limits<std::int64_t>::min();
    {
        auto lease = db_->acquire();
        auto rs = lease->exec("INSERT INTO vals (id, i, r, b, s, ts) VALUES (?, ?, ?, ?, ?, ?)",
                              {std::int64_t{1}, big, 0.1, true, text, stamp});
        EXPECT_EQ(rs.affected_rows, 1);
        lease->exec("INSERT INTO vals (id, i, r, b, s, ts) VALUES (?, ?, ?, ?, ?, ?)",
                    {std::int64_t{2}, small, -1e300, false, std::string(), stamp});
        lease->exec("INSERT INTO vals (id, i, r, b, s, ts) VALUES (?, ?, ?, ?, ?, ?)",
                    {std::int64_t{3}, SqlValue{}, SqlValue{}, SqlValue{}, SqlValue{}, SqlValue{}});
    }
    auto lease = db_->acquire();
    auto rs = lease->exec("SELECT id, i, r, b, s, ts FROM vals ORDER BY id");
    ASSERT_EQ(rs.rows.size(), 3u);
    EXPECT_EQ(rs.columns, (std::vector<std::string>{"id", "i", "r", "b", "s", "ts"}));
    EXPECT_EQ(rs.column("ts"), 5u);
    EXPECT_THROW(rs.column("nope"), StoreError);
    EXPECT_EQ(rs.affected_rows, 0);

    const auto& first = rs.rows[0];
    EXPECT_EQ(std::get<std::int64_t>(first[0]), 1);
    EXPECT_EQ(std::get<std::int64_t>(first[1]), big);
    EXPECT_EQ(std::get<double>(first[2]), 0.1);  // exact: doubles travel losslessly
    EXPECT_EQ(std::get<bool>(first[3]), true);
    EXPECT_EQ(std::get<std::string>(first[4]), text);
    EXPECT_EQ(std::get<std::string>(first[5]), stamp);

    const auto& second = rs.rows[1];
    EXPECT_EQ(std::get<std::int64_t>(second[1]), small);
    EXPECT_EQ(std::get<double>(second[2]), -1e300);
    EXPECT_EQ(std::get<bool>(second[3]), false);
    EXPECT_EQ(std::get<std::string>(second[4]), "");

    for (std::size_t i = 1; i < rs.rows[2].size(); ++i) {
        EXPECT_TRUE(is_null(rs.rows[2][i])) << "column " << rs.columns[i];
    }

    // Comparisons on timestamps work on both (canonical text sorts chronologically).
    auto later = lease->exec("SELECT count(*) FROM vals WHERE ts < ?", {std::string("2026-11-28T14:55:01.000000Z")});
    EXPECT_EQ(std::get<std::int64_t>(later.rows.at(0).at(0)), 2);

    auto updated = lease->exec("UPDATE vals SET b = ? WHERE id <> ?", {true, std::int64_t{3}});
    EXPECT_EQ(updated.affected_rows, 2);
}

TEST_P(StoreTest, TimestampsComeBackWithSixFractionalDigits) {
    if (sqlite()) GTEST_SKIP() << "SQLite returns timestamps as stored";
    auto lease = db_->acquire();
    auto rs = lease->exec(
        "SELECT CAST(? AS TIMESTAMPTZ) AS a, CAST(? AS TIMESTAMPTZ) AS b, CAST(? AS TIMESTAMP) AS "
        "c",
        {std::string("2026-11-28T14:55:00Z"), std::string("2026-11-28T16:55:00.5+02:00"),
         std::string("2026-01-02T03:04:05.000001")});
    EXPECT_EQ(std::get<std::string>(rs.rows[0][0]), "2026-11-28T14:55:00.000000Z");
    EXPECT_EQ(std::get<std::string>(rs.rows[0][1]), "2026-11-28T14:55:00.500000Z");
    EXPECT_EQ(std::get<std::string>(rs.rows[0][2]), "2026-01-02T03:04:05.000001Z");
}

TEST_P(StoreTest, UniqueViolationIsMapped) {
    exec("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE)");
    exec("INSERT INTO users (id, email) VALUES (?, ?)", {std::int64_t{1}, std::string("a@x")});
    EXPECT_THROW(exec("INSERT INTO users (id, email) VALUES (?, ?)", {std::int64_t{1}, std::string("b@x")}),
                 UniqueViolation);
    EXPECT_THROW(exec("INSERT INTO users (id, email) VALUES (?, ?)", {std::int64_t{2}, std::string("a@x")}),
                 UniqueViolation);
    try {
        exec("INSERT INTO users (id, email) VALUES (?, ?)", {std::int64_t{3}, std::string("a@x")});
        FAIL() << "no exception";
    } catch (const UniqueViolation& e) {
        // Parameter values never leak into messages.
        EXPECT_EQ(std::string(e.what()).find("a@x"), std::string::npos) << e.what();
    }
    EXPECT_EQ(count("users"), 1);
}

TEST_P(StoreTest, ForeignKeyViolationIsMapped) {
    exec("CREATE TABLE parents (id BIGINT PRIMARY KEY)");
    exec(
        "CREATE TABLE children (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL "
        "REFERENCES parents (id))");
    exec("INSERT INTO parents (id) VALUES (?)", {std::int64_t{1}});
    exec("INSERT INTO children (id, parent_id) VALUES (?, ?)", {std::int64_t{1}, std::int64_t{1}});
    EXPECT_THROW(exec("INSERT INTO children (id, parent_id) VALUES (?, ?)", {std::int64_t{2}, std::int64_t{99}}),
                 ForeignKeyViolation);
    EXPECT_THROW(exec("DELETE FROM parents WHERE id = ?", {std::int64_t{1}}), ForeignKeyViolation);
}

TEST_P(StoreTest, TransactionRollsBackWhenDestroyed) {
    exec("CREATE TABLE items (id BIGINT PRIMARY KEY)");
    {
        auto lease = db_->acquire();
        Transaction tx(lease, TxMode::Write);
        tx.conn().exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}});
    }
    EXPECT_EQ(count("items"), 0);
    {
        // The Connection& constructor behaves the same.
        auto lease = db_->acquire();
        Transaction tx(*lease, TxMode::Write);
        lease->exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{2}});
    }
    EXPECT_EQ(count("items"), 0);
}

TEST_P(StoreTest, CommitPersistsAndReleasesTheWriter) {
    exec("CREATE TABLE items (id BIGINT PRIMARY KEY)");
    auto lease = db_->acquire();
    {
        Transaction tx(lease, TxMode::Write);
        lease->exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}});
        tx.commit();
        // Another writer can start before this transaction object goes away.
        auto other = db_->acquire();
        Transaction second(other, TxMode::Write);
        other->exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{2}});
        second.commit();
    }
    EXPECT_EQ(count("items"), 2);
    Transaction read(lease, TxMode::Read);
    EXPECT_EQ(lease->exec("SELECT id FROM items ORDER BY id").rows.size(), 2u);
    read.commit();
}

TEST_P(StoreTest, ErrorInsideTransactionRollsBackEverything) {
    exec("CREATE TABLE items (id BIGINT PRIMARY KEY)");
    auto lease = db_->acquire();
    try {
        Transaction tx(lease, TxMode::Write);
        lease->exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}});
        lease->exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}});
        tx.commit();
        FAIL() << "no exception";
    } catch (const UniqueViolation&) {
    }
    EXPECT_EQ(count("items"), 0);
    // The connection is usable for the next transaction.
    Transaction tx(lease, TxMode::Write);
    lease->exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}});
    tx.commit();
    EXPECT_EQ(count("items"), 1);
}

TEST_P(StoreTest, CommitAfterAFailedStatementDoesNotPretendToSucceed) {
    if (sqlite()) GTEST_SKIP() << "SQLite keeps a transaction usable after a failed statement";
    exec("CREATE TABLE items (id BIGINT PRIMARY KEY)");
    auto lease = db_->acquire();
    Transaction tx(lease, TxMode::Write);
    lease->exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}});
    EXPECT_THROW(lease->exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}}), UniqueViolation);
    EXPECT_THROW(tx.commit(), StoreError);
    EXPECT_EQ(count("items"), 0);
}

TEST_P(StoreTest, ReadOnlyTransactionRefusesWritesOnPostgres) {
    if (sqlite()) GTEST_SKIP() << "BEGIN DEFERRED does not forbid writes";
    exec("CREATE TABLE items (id BIGINT PRIMARY KEY)");
    auto lease = db_->acquire();
    Transaction tx(lease, TxMode::Read);
    EXPECT_THROW(lease->exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}}), StoreError);
}

TEST_P(StoreTest, ConnectionReturnedMidTransactionIsRolledBack) {
    exec("CREATE TABLE items (id BIGINT PRIMARY KEY)");
    DatabaseOptions options;
    options.pool_size = 1;
    auto db = open(options);
    {
        auto lease = db->acquire();
        lease->exec("BEGIN");
        lease->exec("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}});
    }  // returned with the transaction open
    auto lease = db->acquire();
    EXPECT_EQ(std::get<std::int64_t>(lease->exec("SELECT count(*) FROM items").rows[0][0]), 0);
    Transaction tx(lease, TxMode::Write);  // would fail if a transaction were still open
    tx.commit();
}

TEST_P(StoreTest, ConcurrentWritersAllLand) {
    exec("CREATE TABLE hits (thread BIGINT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (thread, n))");
    constexpr int kThreads = 8;
    constexpr int kRows = 200;
    std::atomic<int> failures{0};
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                for (int n = 0; n < kRows; ++n) {
                    auto lease = db_->acquire();
                    // Half the threads use each constructor; both take the writer lock.
                    if (t % 2 == 0) {
                        Transaction tx(lease, TxMode::Write);
                        lease->exec("INSERT INTO hits (thread, n) VALUES (?, ?)", {std::int64_t{t}, std::int64_t{n}});
                        tx.commit();
                    } else {
                        Transaction tx(*lease, TxMode::Write);
                        tx.conn().exec("INSERT INTO hits (thread, n) VALUES (?, ?)",
                                       {std::int64_t{t}, std::int64_t{n}});
                        tx.commit();
                    }
                    if (n % 50 == 0) {
                        Transaction read(lease, TxMode::Read);
                        lease->exec("SELECT count(*) FROM hits");
                        read.commit();
                    }
                }
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(t)] = e.what();
                ++failures;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    for (const auto& error : errors)
        EXPECT_EQ(error, "");
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(count("hits"), kThreads * kRows);
    EXPECT_EQ(db_->pool_stats().in_use, 0u);
}

std::vector<Migration> sample_migrations() {
    return {
        {1, "create widgets", "CREATE TABLE widgets (id BIGINT PRIMARY KEY, name TEXT NOT NULL);", ""},
        {2, "index widget names", "CREATE UNIQUE INDEX widgets_name ON widgets (name);", ""},
        {3, "create gadgets", "CREATE TABLE gadgets (id INTEGER PRIMARY KEY AUTOINCREMENT, made_at TIMESTAMP);",
         "CREATE TABLE gadgets (id BIGSERIAL PRIMARY KEY, made_at TIMESTAMPTZ);"},
    };
}

// A thread that must not block (an I/O thread running a read inline) gets WouldBlock
// wherever it would wait, and nothing is changed by the attempt.
TEST_P(StoreTest, WhereBlockingIsNotAllowedWaitsBecomeWouldBlock) {
    exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
    exec("INSERT INTO items (id, name) VALUES (1, 'one')");
    if (!sqlite()) {
        // Every PostgreSQL statement is a round trip: exec() would wait (send() does not;
        // pg_pending_query_test.cpp).
        NonBlockingScope io_thread;
        auto lease = db_->acquire();
        EXPECT_THROW(lease->exec("SELECT name FROM items WHERE id = ?", {std::int64_t{1}}), WouldBlock);
        EXPECT_THROW(lease->exec_script("DELETE FROM items"), WouldBlock);
        return;
    }
    {
        // An idle connection reads at once.
        NonBlockingScope io_thread;
        auto lease = db_->acquire();
        const auto rs = lease->exec("SELECT name FROM items WHERE id = ?", {std::int64_t{1}});
        EXPECT_EQ(std::get<std::string>(rs.rows.at(0).at(0)), "one");
        // Writing would wait for the writer lock.
        EXPECT_THROW(Transaction(*lease, TxMode::Write), WouldBlock);
    }
    // Every connection lent out: taking one more would wait.
    DatabaseOptions options;
    options.pool_size = 1;
    auto small = open(options);
    auto held = small->acquire();
    {
        NonBlockingScope io_thread;
        EXPECT_THROW(small->acquire(), WouldBlock);
    }
    EXPECT_EQ(count("items"), 1);
}

TEST_P(StoreTest, MigrationsApplyOnceInOrder) {
    EXPECT_TRUE(applied_migrations(*db_).empty());
    auto shuffled = sample_migrations();
    std::reverse(shuffled.begin(), shuffled.end());
    EXPECT_EQ(apply_migrations(*db_, shuffled), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(apply_migrations(*db_, shuffled), std::vector<int>{});
    EXPECT_EQ(applied_migrations(*db_), (std::vector<int>{1, 2, 3}));
    EXPECT_TRUE(table_exists("gadgets"));

    auto lease = db_->acquire();
    auto rs = lease->exec("SELECT id, name, applied_at FROM migrations ORDER BY id");
    ASSERT_EQ(rs.rows.size(), 3u);
    EXPECT_EQ(std::get<std::string>(rs.rows[0][1]), "create widgets");
    const auto applied_at = std::get<std::string>(rs.rows[0][2]);
    EXPECT_EQ(applied_at.size(), 27u) << applied_at;
    EXPECT_EQ(applied_at.back(), 'Z');

    // A later release adds a migration: only it runs.
    auto more = sample_migrations();
    more.push_back({4, "add colour", "ALTER TABLE widgets ADD COLUMN colour TEXT;", ""});
    EXPECT_EQ(apply_migrations(*db_, more), std::vector<int>{4});
}

TEST_P(StoreTest, FailingMigrationStopsAndKeepsEarlierOnes) {
    auto migrations = sample_migrations();
    migrations.insert(migrations.begin() + 2,
                      Migration{3, "broken", "CREATE TABLE half (id BIGINT); SELEKT nonsense;", ""});
    migrations.back().id = 4;
    try {
        apply_migrations(*db_, migrations);
        FAIL() << "no exception";
    } catch (const StoreError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("migration 3"), std::string::npos) << message;
        EXPECT_NE(message.find("broken"), std::string::npos) << message;
    }
    EXPECT_EQ(applied_migrations(*db_), (std::vector<int>{1, 2}));
    EXPECT_FALSE(table_exists("half"));  // the failed script left nothing behind
    EXPECT_FALSE(table_exists("gadgets"));
    EXPECT_THROW(apply_migrations(*db_, {{1, "create widgets", "x", ""}, {1, "again", "y", ""}}), StoreError);
}

TEST_P(StoreTest, ConcurrentMigrationRunsApplyEachMigrationOnce) {
    // Two "servers" (separate pools) start at once; CREATE TABLE without IF NOT EXISTS
    // fails if a migration ran twice.
    auto other = open();
    const auto migrations = sample_migrations();
    std::vector<int> first;
    std::vector<int> second;
    std::string first_error;
    std::string second_error;
    auto run = [&](Database& db, std::vector<int>& out, std::string& error) {
        try {
            out = apply_migrations(db, migrations);
        } catch (const std::exception& e) {
            error = e.what();
        }
    };
    std::thread a(run, std::ref(*db_), std::ref(first), std::ref(first_error));
    std::thread b(run, std::ref(*other), std::ref(second), std::ref(second_error));
    a.join();
    b.join();
    EXPECT_EQ(first_error, "");
    EXPECT_EQ(second_error, "");
    std::vector<int> all(first);
    all.insert(all.end(), second.begin(), second.end());
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(applied_migrations(*db_), (std::vector<int>{1, 2, 3}));
}

TEST_P(StoreTest, ExhaustedPoolTimesOutWithUnavailable) {
    DatabaseOptions options;
    options.pool_size = 2;
    options.acquire_timeout = std::chrono::milliseconds(200);
    auto db = open(options);
    auto one = db->acquire();
    auto two = db->acquire();
    const auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(db->acquire(), Unavailable);
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(190));

    PoolStats stats = db->pool_stats();
    EXPECT_EQ(stats.size, 2u);
    EXPECT_EQ(stats.open, 2u);
    EXPECT_EQ(stats.in_use, 2u);
    EXPECT_EQ(stats.waits, 1u);
    EXPECT_EQ(stats.timeouts, 1u);

    // A waiter gets the connection as soon as one is returned.
    std::thread returner([lease = std::move(one)]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        auto dropped = std::move(lease);
    });
    auto three = db->acquire();
    returner.join();
    three->exec("SELECT 1");
    stats = db->pool_stats();
    EXPECT_EQ(stats.waits, 2u);
    EXPECT_EQ(stats.timeouts, 1u);
    EXPECT_EQ(stats.open, 2u);
}

TEST_P(StoreTest, QuestionMarksInsideQuotesAreNotPlaceholders) {
    auto lease = db_->acquire();
    auto rs = lease->exec(
        "SELECT '?' AS q, 'it''s ?' AS r, CAST(? AS TEXT) AS p, \"a?b\".x AS s FROM (SELECT 1 AS "
        "x) AS \"a?b\" "
        "WHERE 1 = ? /* ? */ -- ?\n",
        {std::string("value"), std::int64_t{1}});
    ASSERT_EQ(rs.rows.size(), 1u);
    EXPECT_EQ(std::get<std::string>(rs.rows[0][0]), "?");
    EXPECT_EQ(std::get<std::string>(rs.rows[0][1]), "it's ?");
    EXPECT_EQ(std::get<std::string>(rs.rows[0][2]), "value");
    EXPECT_EQ(std::get<std::int64_t>(rs.rows[0][3]), 1);
}

TEST_P(StoreTest, LikeIsCaseSensitiveOnBoth) {
    exec("CREATE TABLE names (name TEXT)");
    exec("INSERT INTO names (name) VALUES (?), (?)", {std::string("Alpha"), std::string("alpha")});
    auto lease = db_->acquire();
    auto rs = lease->exec("SELECT count(*) FROM names WHERE name LIKE ?", {std::string("al%")});
    EXPECT_EQ(std::get<std::int64_t>(rs.rows[0][0]), 1);
}

TEST_P(StoreTest, BadSqlThrowsStoreErrorAndLeavesTheConnectionUsable) {
    auto lease = db_->acquire();
    EXPECT_THROW(lease->exec("SELEC 1"), StoreError);
    EXPECT_THROW(lease->exec("SELECT * FROM no_such_table"), StoreError);
    EXPECT_THROW(lease->exec("SELECT ?", {}), StoreError);  // parameter count mismatch
    EXPECT_THROW(lease->exec("SELECT 1", {std::int64_t{1}}), StoreError);
    EXPECT_THROW(lease->exec_script("CREATE TABLE ok (id BIGINT); NOT SQL;"), StoreError);
    auto rs = lease->exec("SELECT 1 AS one");
    EXPECT_EQ(std::get<std::int64_t>(rs.rows.at(0).at(0)), 1);
}

TEST_P(StoreTest, StatementCacheSurvivesEvictionAndSchemaChanges) {
    exec("CREATE TABLE things (id BIGINT PRIMARY KEY)");
    exec("INSERT INTO things (id) VALUES (?)", {std::int64_t{1}});
    DatabaseOptions options;
    options.pool_size = 1;
    auto db = open(options);
    auto lease = db->acquire();
    EXPECT_EQ(lease->exec("SELECT * FROM things").columns.size(), 1u);
    // More distinct statements than the cache holds push the first one out and back in.
    for (int i = 0; i < 100; ++i) {
        lease->exec("SELECT " + std::to_string(i) + " AS n FROM things WHERE id = ?", {std::int64_t{1}});
    }
    EXPECT_EQ(lease->exec("SELECT * FROM things").rows.size(), 1u);
    // The cached statement's result shape changes under it.
    lease->exec_script("ALTER TABLE things ADD COLUMN label TEXT");
    EXPECT_EQ(lease->exec("SELECT * FROM things").columns.size(), 2u);
}

// Terminates the backend `pid` and waits until its process is gone, so that its end of the
// connection is closed. The cluster is local (the test skips on an external one).
void terminate_backend(Database& admin_db, std::int64_t pid) {
    {
        auto admin = admin_db.acquire();
        admin->exec("SELECT pg_terminate_backend(?)", {pid});
    }
    const auto proc = std::filesystem::path("/proc") / std::to_string(pid);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::filesystem::exists(proc) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_FALSE(std::filesystem::exists(proc)) << "backend " << pid << " did not exit";
}

std::int64_t backend_pid(Connection& conn) {
    return std::get<std::int64_t>(conn.exec("SELECT pg_backend_pid()").rows[0][0]);
}

TEST_P(StoreTest, PostgresConnectionBrokenWhileLentThrowsUnavailableAndIsReplaced) {
    if (sqlite()) GTEST_SKIP() << "PostgreSQL only";
    if (PgCluster::shared().external()) GTEST_SKIP() << "watches the server's backend processes";
    DatabaseOptions options;
    options.pool_size = 1;
    auto db = open(options);
    std::int64_t pid = 0;
    {
        auto lease = db->acquire();
        pid = backend_pid(*lease);
        terminate_backend(*db_, pid);
        EXPECT_THROW(lease->exec("SELECT 1"), Unavailable);
    }
    {
        auto lease = db->acquire();
        EXPECT_NE(backend_pid(*lease), pid);
    }
    EXPECT_NO_THROW(db->ping());
    EXPECT_EQ(db->pool_stats().open, 1u);
}

// What a database restart does to every idle connection: the pool finds it dead before
// lending it, so the borrower never sees the failure.
TEST_P(StoreTest, IdlePostgresConnectionTheServerHungUpOnIsReplacedBeforeItIsLent) {
    if (sqlite()) GTEST_SKIP() << "PostgreSQL only";
    if (PgCluster::shared().external()) GTEST_SKIP() << "watches the server's backend processes";
    DatabaseOptions options;
    options.pool_size = 1;
    auto db = open(options);
    std::int64_t pid = 0;
    {
        auto lease = db->acquire();
        pid = backend_pid(*lease);
    }
    terminate_backend(*db_, pid);
    {
        auto lease = db->acquire();
        std::int64_t now = 0;
        EXPECT_NO_THROW(now = backend_pid(*lease));
        EXPECT_NE(now, pid);
    }
    EXPECT_EQ(db->pool_stats().open, 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Dialect::Sqlite, Dialect::Postgres), backend_name);

TEST(OpenPostgres, UnreachableServerIsUnavailableWithoutThePassword) {
    try {
        open_postgres("postgresql://someone:hunter2secret@127.0.0.1:1/nowhere");
        FAIL() << "no exception";
    } catch (const Unavailable& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.find("hunter2secret"), std::string::npos) << message;
        EXPECT_NE(message.find("someone@127.0.0.1:1"), std::string::npos) << message;
    }
}

TEST(OpenDatabase, ChoosesTheDriverByLocation) {
    std::string pattern = (fs::temp_directory_path() / "ambient-store-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    EXPECT_EQ(open_database(pattern)->dialect(), Dialect::Sqlite);
    fs::remove_all(pattern);
    EXPECT_EQ(open_database(PgCluster::shared().url())->dialect(), Dialect::Postgres);
}

}  // namespace
}  // namespace ambient::store
