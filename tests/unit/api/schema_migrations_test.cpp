// The API server's own migrations, applied to a fresh database of each dialect.
#include "api/schema_migrations.hpp"

#include <gtest/gtest.h>

#include "api/builtin_roles.hpp"
#include "api/store/database.hpp"
#include "support/pg_cluster.hpp"
#include "support/server_process.hpp"

namespace ambient::api {
namespace {

enum class Backend { Sqlite, Postgres };

class SchemaMigrations : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        if (GetParam() == Backend::Sqlite) {
            db_ = store::open_sqlite(dir_.path().string());
        } else {
            db_ = store::open_postgres(testing::PgCluster::shared().create_database("schema"));
        }
    }
    testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
};

TEST_P(SchemaMigrations, ApplyInOrderOnceAndRecordEach) {
    const auto applied = store::apply_migrations(*db_, schema_migrations());
    ASSERT_EQ(applied.size(), schema_migrations().size());
    for (std::size_t i = 0; i < applied.size(); ++i)
        EXPECT_EQ(applied[i], schema_migrations()[i].id);
    EXPECT_TRUE(store::apply_migrations(*db_, schema_migrations()).empty());
    EXPECT_EQ(store::applied_migrations(*db_), applied);
}

TEST_P(SchemaMigrations, IdsAreAscendingAndUnique) {
    int last = 0;
    for (const auto& m : schema_migrations()) {
        EXPECT_GT(m.id, last) << m.name;
        last = m.id;
    }
}

TEST_P(SchemaMigrations, SeedTheBuiltInRolesWithStableIds) {
    store::apply_migrations(*db_, schema_migrations());
    auto lease = db_->acquire();
    const auto rs = lease->exec("SELECT id, name, built_in, created_at FROM roles ORDER BY name");
    ASSERT_EQ(rs.rows.size(), builtin_roles().size());
    for (const auto& row : rs.rows) {
        EXPECT_EQ(std::get<std::string>(row[0]), builtin_role_id(std::get<std::string>(row[1])));
        EXPECT_TRUE(std::get<bool>(row[2]));
        EXPECT_EQ(std::get<std::string>(row[3]).size(), 27u);  // 2026-11-28T14:55:00.123456Z
    }
}

TEST_P(SchemaMigrations, LiveUniquenessLetsDeletedNamesBeReused) {
    store::apply_migrations(*db_, schema_migrations());
    auto lease = db_->acquire();
    const char* insert = "INSERT INTO users (id, created_at, updated_at, username, name) VALUES (?, ?, ?, ?, ?)";
    const std::string t = "2026-11-28T00:00:00.000000Z";
    lease->exec(insert, {std::string("u1"), t, t, std::string("ada"), std::string("Ada")});
    EXPECT_THROW(lease->exec(insert, {std::string("u2"), t, t, std::string("ada"), std::string("Ada")}),
                 store::UniqueViolation);
    lease->exec("UPDATE users SET deleted_at = ? WHERE id = ?", {t, std::string("u1")});
    EXPECT_NO_THROW(lease->exec(insert, {std::string("u3"), t, t, std::string("ada"), std::string("Ada")}));
}

TEST_P(SchemaMigrations, RoleBindingUniquenessTreatsNullIdsAsEqual) {
    store::apply_migrations(*db_, schema_migrations());
    auto lease = db_->acquire();
    const auto role = builtin_role_id("platform:viewer");
    const char* insert =
        "INSERT INTO role_bindings (id, created_at, updated_at, role_id, scope, user_id) VALUES (?, ?, ?, ?, ?, ?)";
    const std::string t = "2026-11-28T00:00:00.000000Z";
    lease->exec(insert, {std::string("b1"), t, t, role, std::string("global"), std::string("ada")});
    EXPECT_THROW(lease->exec(insert, {std::string("b2"), t, t, role, std::string("global"), std::string("ada")}),
                 store::UniqueViolation);
}

INSTANTIATE_TEST_SUITE_P(Backends, SchemaMigrations, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

}  // namespace
}  // namespace ambient::api
