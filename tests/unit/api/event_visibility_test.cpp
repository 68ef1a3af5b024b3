// Watch streams decide in memory what a caller may see of each event (EventVisibility);
// lists decide it in SQL (visible_rows). The two must agree: for a world of every kind and
// many callers' bindings, the ids a caller's list shows and the ids of the Create events its
// watch would send are the same sets, on both databases.
#include "api/authz/event_visibility.hpp"

#include <gtest/gtest.h>

#include <set>

#include "api/authz/access.hpp"
#include "api/authz/list_visibility.hpp"
#include "api/builtin_roles.hpp"
#include "api/repository.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"
#include "api/schema_migrations.hpp"
#include "api/store/migrations.hpp"
#include "api/streams/event_rows.hpp"
#include "common/ksuid.hpp"
#include "support/pg_cluster.hpp"
#include "support/server_process.hpp"

namespace ambient::api::authz {
namespace {

enum class Backend { Sqlite, Postgres };

Binding binding(const std::string& role, const std::string& scope, const std::string& project = {},
                const std::string& agent = {}, const std::string& session = {}, const std::string& credential = {}) {
    for (const auto& r : builtin_roles()) {
        if (r.name == role) return {"b", role, r.permissions, scope, project, agent, session, credential};
    }
    ADD_FAILURE() << "no built-in role " << role;
    return {};
}

class EventVisibilityParity : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        if (GetParam() == Backend::Sqlite) {
            db_ = store::open_sqlite(dir_.path().string());
        } else {
            db_ = store::open_postgres(testing::PgCluster::shared().create_database("event_visibility"));
        }
        store::apply_migrations(*db_, schema_migrations());
        build_world();
    }

    std::string insert(const model::KindSchema& schema, model::Row row) {
        auto lease = db_->acquire();
        store::Transaction tx(lease, store::TxMode::Write);
        const auto stored = repo::insert(*lease, schema, std::move(row));
        tx.commit();
        return model::text_of(stored, model::kIdColumn);
    }

    void build_world() {
        for (const char* p : {"p1", "p2"})
            insert(project_schema(), {{"id", std::string(p)}, {"name", std::string(p)}});
        insert(project_settings_schema(), {{"project_id", std::string("p1")}});
        insert(project_settings_schema(), {{"project_id", std::string("p2")}});
        a1_ = insert(agent_schema(), {{"project_id", std::string("p1")}, {"name", std::string("a1")}});
        a2_ = insert(agent_schema(), {{"project_id", std::string("p2")}, {"name", std::string("a2")}});
        auto session = [&](const std::string& project, const std::string& agent) {
            const auto id = new_ksuid();
            model::Row row = {{"id", id},
                              {"name", std::string("s")},
                              {"project_id", project},
                              {"kube_cr_name", kube_cr_name_for(id)}};
            if (!agent.empty()) row["agent_id"] = agent;
            return insert(session_schema(), std::move(row));
        };
        s1_ = session("p1", "");
        s2_ = session("p1", a1_);
        s3_ = session("p2", a2_);
        auto credential = [&](const std::string& name) {
            return insert(credential_schema(), {{"name", name}, {"provider", std::string("github")}});
        };
        c1_ = credential("c1");
        c2_ = credential("c2");
        auto role_binding = [&](const std::string& user, const std::string& role, model::Row where) {
            where["role_id"] = builtin_role_id(role);
            if (!user.empty()) where["user_id"] = user;
            insert(role_binding_schema(), std::move(where));
        };
        role_binding("u", "project:viewer", {{"scope", std::string("project")}, {"project_id", std::string("p1")}});
        role_binding("v", "project:owner", {{"scope", std::string("project")}, {"project_id", std::string("p2")}});
        role_binding("w", "agent:observer", {{"scope", std::string("session")}, {"session_id", s3_}});
        role_binding("x", "credential:viewer", {{"scope", std::string("credential")}, {"credential_id", c1_}});
        role_binding("", "credential:token-reader",
                     {{"scope", std::string("credential")}, {"credential_id", c2_}, {"project_id", std::string("p1")}});
        for (const char* user : {"u", "v", "w"})
            insert(user_schema(), {{"username", std::string(user)}, {"name", std::string(user)}});
    }

    // The ids of `table` the list filter lets `principal` see.
    std::set<std::string> listed(const Principal& principal, const model::KindSchema& schema) {
        std::string sql = "SELECT id FROM " + schema.table + " WHERE deleted_at IS NULL";
        std::vector<store::SqlValue> params;
        if (auto filter = visible_rows(principal, schema.table)) {
            sql += " AND (" + filter->sql + ")";
            params = filter->params;
        }
        auto lease = db_->acquire();
        std::set<std::string> ids;
        for (const auto& row : lease->exec(sql, params).rows)
            ids.insert(std::get<std::string>(row[0]));
        return ids;
    }

    // The ids whose Create event of `schema` the in-memory filter lets `principal` see.
    std::set<std::string> watched(const Principal& principal, const model::KindSchema& schema) {
        auto lease = db_->acquire();
        const auto range =
            streams::read_events_after(*lease, 0, {.source = schema.source, .max_rows = 10000, .max_bytes = 1 << 30});
        const auto visibility = EventVisibility::of(principal, schema.table);
        std::set<std::string> ids;
        for (const auto& row : range.rows) {
            if (row.type == "Create" && visibility.sees(row.route)) ids.insert(row.route.source_id);
        }
        return ids;
    }

    testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
    std::string a1_, a2_, s1_, s2_, s3_, c1_, c2_;
};

TEST_P(EventVisibilityParity, WatchesSeeExactlyWhatListsShow) {
    const std::vector<std::pair<std::string, std::vector<Binding>>> callers = {
        {"nobody", {}},
        {"u", {binding("project:viewer", "project", "p1")}},
        {"v", {binding("project:owner", "project", "p2")}},
        {"w", {binding("agent:observer", "session", "", "", s3_)}},
        {"x", {binding("credential:viewer", "credential", "", "", "", c1_)}},
        {"observer", {binding("agent:observer", "agent", "p1", a1_)}},
        {"editor-and-reader",
         {binding("project:editor", "project", "p2"), binding("credential:owner", "credential", "", "", "", c2_)}},
        {"platform-viewer", {binding("platform:viewer", "global")}},
        {"admin", {binding("platform:admin", "global")}},
    };
    const std::vector<const model::KindSchema*> kinds = {
        &project_schema(),    &project_settings_schema(), &agent_schema(), &session_schema(),
        &credential_schema(), &role_binding_schema(),     &user_schema()};
    for (const auto& [name, bindings] : callers) {
        Principal principal;
        principal.kind = Principal::Kind::User;
        principal.username = name;
        principal.access = std::make_shared<const Access>(bindings);
        for (const auto* kind : kinds) {
            EXPECT_EQ(watched(principal, *kind), listed(principal, *kind)) << name << " watching " << kind->table;
        }
    }
    // Services see everything; runners nothing.
    Principal service{.kind = Principal::Kind::Service, .username = "svc"};
    Principal runner{.kind = Principal::Kind::Runner, .username = "runner:x"};
    for (const auto* kind : kinds) {
        EXPECT_EQ(watched(service, *kind), listed(service, *kind)) << kind->table;
        EXPECT_TRUE(watched(runner, *kind).empty()) << kind->table;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, EventVisibilityParity, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

}  // namespace
}  // namespace ambient::api::authz
