// Event retention on both databases: by count and by age, and the newest event always stays
// (it tells a resuming watcher that its id is not from the future).
#include "api/event_retention.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/schema_migrations.hpp"
#include "api/store/migrations.hpp"
#include "common/time.hpp"
#include "support/pg_cluster.hpp"

namespace ambient::api {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::ambient::testing::PgCluster;
using store::Dialect;
using SystemClock = std::chrono::system_clock;

std::string backend_name(const ::testing::TestParamInfo<Dialect>& info) {
    return info.param == Dialect::Sqlite ? "Sqlite" : "Postgres";
}

TEST(EventRetentionAge, ParsesDurationsAndZeroMeansNoLimit) {
    EXPECT_EQ(parse_event_retention_age("7d"), std::chrono::seconds(7 * 24 * 3600));
    EXPECT_EQ(parse_event_retention_age("168h"), std::chrono::seconds(7 * 24 * 3600));
    EXPECT_EQ(parse_event_retention_age("30m"), std::chrono::seconds(1800));
    EXPECT_EQ(parse_event_retention_age("45"), std::chrono::seconds(45));
    EXPECT_EQ(parse_event_retention_age("0"), std::chrono::seconds(0));
    EXPECT_EQ(parse_event_retention_age(""), std::chrono::seconds(0));
    EXPECT_EQ(parse_event_retention_age(kDefaultEventRetentionAge), std::chrono::seconds(7 * 24 * 3600));
    for (const char* bad : {"-1d", "d", "7 d", "1w", "1.5h", "99999999999999999d"}) {
        EXPECT_FALSE(parse_event_retention_age(bad)) << bad;
    }
}

class EventRetentionTest : public ::testing::TestWithParam<Dialect> {
protected:
    void SetUp() override {
        if (GetParam() == Dialect::Sqlite) {
            std::string pattern = (fs::temp_directory_path() / "ambient-retention-test-XXXXXX").string();
            ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
            temp_dir_ = pattern;
            db_ = store::open_sqlite(temp_dir_.string());
        } else {
            url_ = PgCluster::shared().create_database("event_retention");
            db_ = store::open_postgres(url_);
        }
        store::apply_migrations(*db_, schema_migrations());
    }

    void TearDown() override {
        db_.reset();
        if (GetParam() == Dialect::Sqlite) {
            std::error_code ec;
            fs::remove_all(temp_dir_, ec);
        } else {
            PgCluster::shared().drop_database(url_);
        }
    }

    // Events written at the given times, in this order (ids increase along the list).
    void write_events(const std::vector<SystemClock::time_point>& times) {
        auto lease = db_->acquire();
        store::Transaction tx(lease, store::TxMode::Write);
        for (std::size_t i = 0; i < times.size(); ++i) {
            lease->exec(
                "INSERT INTO events (source, source_id, event_type, created_at) VALUES (?, ?, ?, ?)",
                {std::string("Projects"), "p-" + std::to_string(i), std::string("Create"), format_rfc3339(times[i])});
        }
        tx.commit();
    }

    // The events left, oldest first, by their place in the writes ("p-0" is the first).
    std::vector<std::string> remaining() {
        auto lease = db_->acquire();
        const auto rs = lease->exec("SELECT source_id FROM events ORDER BY id");
        std::vector<std::string> out;
        for (const auto& row : rs.rows)
            out.push_back(store::text_of(row.at(0)));
        return out;
    }

    std::int64_t prune_before(SystemClock::time_point cutoff) {
        auto lease = db_->acquire();
        return prune_events_before(*lease, cutoff);
    }

    fs::path temp_dir_;
    std::string url_;
    std::unique_ptr<store::Database> db_;
};

TEST_P(EventRetentionTest, EventsOlderThanTheCutoffAreDeletedAndYoungerOnesKept) {
    const auto now = SystemClock::now();
    write_events({now - 10 * 24h, now - 9 * 24h, now - 8 * 24h, now - 1h, now});
    EXPECT_EQ(prune_before(now - 7 * 24h), 3);
    EXPECT_EQ(remaining(), (std::vector<std::string>{"p-3", "p-4"}));
    EXPECT_EQ(prune_before(now - 7 * 24h), 0);
}

TEST_P(EventRetentionTest, TheNewestEventIsKeptHoweverOld) {
    const auto now = SystemClock::now();
    write_events({now - 30 * 24h, now - 20 * 24h, now - 10 * 24h});
    EXPECT_EQ(prune_before(now), 2);
    EXPECT_EQ(remaining(), (std::vector<std::string>{"p-2"}));
}

TEST_P(EventRetentionTest, WhatIsKeptStaysARunOfConsecutiveIds) {
    const auto now = SystemClock::now();
    // p-1 was written by a server whose clock ran ahead; the run kept must not skip it.
    write_events({now - 10 * 24h, now - 1h, now - 9 * 24h, now - 2h, now});
    EXPECT_EQ(prune_before(now - 7 * 24h), 3);
    EXPECT_EQ(remaining(), (std::vector<std::string>{"p-3", "p-4"}));
}

TEST_P(EventRetentionTest, MoreOldEventsThanABatchAreAllDeleted) {
    const auto now = SystemClock::now();
    std::vector<SystemClock::time_point> times(12000, now - 10 * 24h);
    times.push_back(now);
    write_events(times);
    EXPECT_EQ(prune_before(now - 24h), 12000);
    EXPECT_EQ(remaining(), (std::vector<std::string>{"p-12000"}));
}

TEST_P(EventRetentionTest, TheRetentionPrunesByCountAndByAgeAtStart) {
    const auto now = SystemClock::now();
    write_events({now - 10 * 24h, now - 9 * 24h, now - 1h, now - 2s, now - 1s});
    // The newest 4 by count, and of those only the ones younger than 2 days: the last 3.
    EventRetention retention(*db_, 4, std::chrono::hours(48));
    EXPECT_EQ(remaining(), (std::vector<std::string>{"p-2", "p-3", "p-4"}));
}

TEST_P(EventRetentionTest, AZeroAgeKeepsOldEvents) {
    const auto now = SystemClock::now();
    write_events({now - 1000 * 24h, now - 900 * 24h});
    EventRetention retention(*db_, 10, std::chrono::seconds(0));
    EXPECT_EQ(remaining(), (std::vector<std::string>{"p-0", "p-1"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, EventRetentionTest, ::testing::Values(Dialect::Sqlite, Dialect::Postgres),
                         backend_name);

}  // namespace
}  // namespace ambient::api
