// What every pooled PostgreSQL session is set up with (PgConnection::start_session).
#include <gtest/gtest.h>

#include <string>

#include "api/store/database.hpp"
#include "support/pg_cluster.hpp"

namespace ambient::store {
namespace {

using ::ambient::testing::PgCluster;

// A GET by id reads through the primary key even when the table is small enough that, with
// PostgreSQL's default costs, reading it whole looks cheaper (and measured slower).
TEST(PgSession, ReadsByIdThroughThePrimaryKeyOnASmallTable) {
    const auto location = PgCluster::shared().create_database("pg_session_primary_key");
    {
        auto db = open_postgres(location);
        auto lease = db->acquire();
        lease->exec_script(
            "CREATE TABLE projects (id TEXT PRIMARY KEY, name TEXT NOT NULL, deleted_at TIMESTAMPTZ);"
            "CREATE UNIQUE INDEX projects_live_name ON projects (name) WHERE deleted_at IS NULL;"
            "INSERT INTO projects SELECT 'p' || g, 'name' || g, NULL FROM generate_series(1, 200) g;"
            "ANALYZE projects;");
        const auto plan = lease->exec("EXPLAIN SELECT id, name FROM projects WHERE id = 'p5' AND deleted_at IS NULL");
        ASSERT_FALSE(plan.rows.empty());
        EXPECT_NE(std::get<std::string>(plan.rows[0][0]).find("Index Scan using projects_pkey"), std::string::npos)
            << std::get<std::string>(plan.rows[0][0]);
    }
    PgCluster::shared().drop_database(location);
}

}  // namespace
}  // namespace ambient::store
