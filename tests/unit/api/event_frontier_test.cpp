// The settled frontier of the events table on PostgreSQL: an id taken by a writer still in
// progress holds readers before it; one whose writer rolled back stops holding them once
// the transactions running when it was seen have ended.
#include "api/streams/event_frontier.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "api/schema_migrations.hpp"
#include "api/store/migrations.hpp"
#include "support/pg_cluster.hpp"
#include "support/server_process.hpp"

namespace ambient::api::streams {
namespace {

using namespace std::chrono_literals;

// A writer as repo::record_event's callers are: it owns its xid before it takes an id.
class Writer {
public:
    explicit Writer(store::Database& db) : lease_(db.acquire()), tx_(lease_, store::TxMode::Write) {
        lease_->exec("SELECT pg_current_xact_id()");
    }
    std::int64_t add_event() {
        const auto rs = lease_->exec(
            "INSERT INTO events (source, source_id, event_type, created_at) "
            "VALUES ('Projects', 'p', 'Create', now()) RETURNING id");
        return std::get<std::int64_t>(rs.rows.at(0).at(0));
    }
    void commit() { tx_.commit(); }
    // Rolls back when it goes away without commit().

private:
    store::ConnectionLease lease_;
    store::Transaction tx_;
};

class EventFrontierPostgres : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = store::open_postgres(testing::PgCluster::shared().create_database("frontier"));
        store::apply_migrations(*db_, schema_migrations());
    }
    Frontier advance() {
        auto lease = db_->acquire();
        return frontier_.advance(*lease, 0, 100);
    }
    std::unique_ptr<store::Database> db_;
    EventFrontier frontier_;
};

TEST_F(EventFrontierPostgres, AnIdOfAWriterInProgressHoldsTheFrontierUntilItCommits) {
    Writer slow(*db_);
    EXPECT_EQ(slow.add_event(), 1);
    {
        Writer fast(*db_);
        EXPECT_EQ(fast.add_event(), 2);
        fast.commit();
    }
    // 2 is visible, 1 is not settled: nothing may be delivered yet.
    auto f = advance();
    EXPECT_EQ(f.position, 0);
    EXPECT_TRUE(f.waiting);
    EXPECT_EQ(advance().position, 0);
    slow.commit();
    f = advance();
    EXPECT_EQ(f.position, 2);
    EXPECT_FALSE(f.waiting);
}

TEST_F(EventFrontierPostgres, AnIdLostToARollbackStopsHoldingTheFrontier) {
    {
        Writer doomed(*db_);
        EXPECT_EQ(doomed.add_event(), 1);
        Writer fast(*db_);
        EXPECT_EQ(fast.add_event(), 2);
        fast.commit();
        // Seen while its writer still runs: it holds.
        EXPECT_EQ(advance().position, 0);
    }  // rolled back: id 1 never appears
    // The checkpoint taken while it ran settles once it has ended.
    const auto f = advance();
    EXPECT_EQ(f.position, 2);
    EXPECT_FALSE(f.waiting);
}

TEST_F(EventFrontierPostgres, ConsecutiveCommittedIdsAreSettledWithoutWaiting) {
    for (int i = 0; i < 3; ++i) {
        Writer w(*db_);
        w.add_event();
        w.commit();
    }
    const auto f = advance();
    EXPECT_EQ(f.position, 3);
    EXPECT_FALSE(f.waiting);
    auto lease = db_->acquire();
    const auto limited = frontier_.advance(*lease, 0, 2);
    EXPECT_EQ(limited.position, 2);
    EXPECT_TRUE(limited.more);
}

TEST_F(EventFrontierPostgres, TheNewestIsSettledOnlyOnceTheWritersInProgressEnd) {
    auto lease = db_->acquire();
    {
        Writer slow(*db_);
        slow.add_event();
        EXPECT_THROW(frontier_.settle_newest(*lease, 50ms), store::StoreError);
        slow.commit();
    }
    EXPECT_EQ(frontier_.settle_newest(*lease, 10s), 1);
}

TEST(EventFrontierSqlite, TheNewestIdIsAlwaysSettled) {
    testing::TempDir dir;
    auto db = store::open_sqlite(dir.path().string());
    store::apply_migrations(*db, schema_migrations());
    auto lease = db->acquire();
    lease->exec(
        "INSERT INTO events (source, source_id, event_type, created_at) VALUES ('Projects', 'p', 'Create', 'x')");
    EventFrontier frontier;
    EXPECT_EQ(frontier.advance(*lease, 0, 100).position, 1);
    EXPECT_EQ(frontier.settle_newest(*lease, 1s), 1);
}

}  // namespace
}  // namespace ambient::api::streams
