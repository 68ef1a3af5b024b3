// A write the database cannot store because its disk is full or it is read-only surfaces as
// StorageFull / StorageReadOnly, on both backends, with nothing of the transaction kept and
// the pooled connection still usable. Each condition is provoked through the real driver:
// SQLite's max_page_count and query_only, PostgreSQL's disk_full SQLSTATE raised by the
// server and a read-only session.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "api/store/database.hpp"
#include "support/pg_cluster.hpp"

namespace ambient::store {
namespace {

namespace fs = std::filesystem;
using ::ambient::testing::PgCluster;

class StorageFullTest : public ::testing::TestWithParam<Dialect> {
protected:
    void SetUp() override {
        DatabaseOptions options;
        // One connection, so the per-connection settings that provoke the faults apply to
        // every statement of the test.
        options.pool_size = 1;
        if (sqlite()) {
            std::string pattern = (fs::temp_directory_path() / "ambient-storage-full-XXXXXX").string();
            ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
            temp_dir_ = pattern;
            db_ = open_sqlite((temp_dir_ / "data").string(), options);
        } else {
            location_ =
                PgCluster::shared().create_database(::testing::UnitTest::GetInstance()->current_test_info()->name());
            db_ = open_postgres(location_, options);
        }
        exec("CREATE TABLE items (id BIGINT PRIMARY KEY, payload TEXT)");
        exec("INSERT INTO items (id, payload) VALUES (1, 'before')");
    }

    void TearDown() override {
        db_.reset();
        std::error_code ec;
        if (sqlite()) fs::remove_all(temp_dir_, ec);
        if (!location_.empty()) PgCluster::shared().drop_database(location_);
    }

    bool sqlite() const { return GetParam() == Dialect::Sqlite; }

    void exec(const std::string& sql) {
        auto lease = db_->acquire();
        lease->exec(sql);
    }

    std::int64_t count() {
        auto lease = db_->acquire();
        return std::get<std::int64_t>(lease->exec("SELECT count(*) FROM items").rows.at(0).at(0));
    }

    // Two inserts in one write transaction: a small one that fits and `second`, which fails.
    template <class Error>
    void expect_write_refused(const std::string& second) {
        auto lease = db_->acquire();
        try {
            Transaction tx(lease, TxMode::Write);
            lease->exec("INSERT INTO items (id, payload) VALUES (2, 'small')");
            lease->exec(second);
            tx.commit();
            FAIL() << "the write was stored";
        } catch (const Error&) {
        }
    }

    void insert_and_commit(std::int64_t id) {
        auto lease = db_->acquire();
        Transaction tx(lease, TxMode::Write);
        lease->exec("INSERT INTO items (id, payload) VALUES (?, 'after')", {id});
        tx.commit();
    }

    fs::path temp_dir_;
    std::string location_;
    std::unique_ptr<Database> db_;
};

TEST_P(StorageFullTest, FullDiskIsStorageFullAndKeepsNothingOfTheTransaction) {
    std::string big_insert;
    if (sqlite()) {
        // The file may not grow past its current size: the next page it needs is "disk full".
        auto lease = db_->acquire();
        const auto pages = std::get<std::int64_t>(lease->exec("PRAGMA page_count").rows.at(0).at(0));
        lease->exec("PRAGMA max_page_count = " + std::to_string(pages));
        big_insert = "INSERT INTO items (id, payload) VALUES (3, '" + std::string(256 * 1024, 'x') + "')";
    } else {
        big_insert =
            "DO $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
            "USING ERRCODE = 'disk_full'; END $$";
    }
    expect_write_refused<StorageFull>(big_insert);
    EXPECT_EQ(count(), 1);

    if (sqlite()) exec("PRAGMA max_page_count = 1073741823");
    insert_and_commit(4);
    EXPECT_EQ(count(), 2);
}

TEST_P(StorageFullTest, ReadOnlyStorageIsStorageReadOnly) {
    exec(sqlite() ? "PRAGMA query_only = ON" : "SET default_transaction_read_only = on");
    {
        auto lease = db_->acquire();
        EXPECT_THROW(
            {
                Transaction tx(lease, TxMode::Write);
                lease->exec("INSERT INTO items (id, payload) VALUES (2, 'refused')");
                tx.commit();
            },
            StorageReadOnly);
    }
    EXPECT_EQ(count(), 1);

    exec(sqlite() ? "PRAGMA query_only = OFF" : "SET default_transaction_read_only = off");
    insert_and_commit(2);
    EXPECT_EQ(count(), 2);
}

TEST_P(StorageFullTest, OurOwnReadOnlyTransactionIsNotReadOnlyStorage) {
    if (sqlite()) GTEST_SKIP() << "BEGIN DEFERRED does not forbid writes";
    auto lease = db_->acquire();
    Transaction tx(lease, TxMode::Read);
    try {
        lease->exec("INSERT INTO items (id, payload) VALUES (2, 'refused')");
        FAIL() << "the write was stored";
    } catch (const StorageReadOnly&) {
        FAIL() << "a write in a read transaction is a bug, not a read-only database";
    } catch (const StoreError&) {
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageFullTest, ::testing::Values(Dialect::Sqlite, Dialect::Postgres),
                         [](const auto& info) { return info.param == Dialect::Sqlite ? "Sqlite" : "Postgres"; });

}  // namespace
}  // namespace ambient::store
