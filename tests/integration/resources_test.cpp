// Rules particular to each kind, on both databases.
#include <gtest/gtest.h>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kV1 = "/api/ambient/v1";

std::string path(const std::string& rest) {
    return std::string(kV1) + rest;
}

class Resources : public ApiTest {
protected:
    HttpResult post(const std::string& collection, const json& body) {
        return http().post(path(collection), body.dump());
    }
    std::string role_id(const std::string& name) {
        auto r = http().get(path("/roles?search=" + url_encode("name = '" + name + "'")));
        return r.json()["items"][0]["id"];
    }
};

TEST_P(Resources, ProjectNamesFollowTheDnsLabelRule) {
    struct Case {
        std::string name;
        int status;
    };
    const std::vector<Case> cases = {
        {"ab", 201},
        {"a1", 201},
        {"my-project-2", 201},
        {std::string(63, 'a'), 201},
        {"a", 400},
        {"1abc", 400},
        {"abc-", 400},
        {"Abc", 400},
        {"a_b", 400},
        {"a.b", 400},
        {std::string(64, 'a'), 400},
        {"", 400},
        {"-abc", 400},
        {"ab c", 400},
    };
    for (const auto& c : cases) {
        auto r = post("/projects", {{"name", c.name}});
        EXPECT_EQ(r.status, c.status) << "name '" << c.name << "': " << r.body;
        if (c.status == 201) {
            EXPECT_EQ(r.json()["id"], c.name);
        }
    }
}

TEST_P(Resources, ProjectDuplicatesConflictButDeletedNamesMayBeReused) {
    ASSERT_EQ(post("/projects", {{"name", "alpha"}}).status, 201);
    auto dup = post("/projects", {{"name", "alpha"}});
    EXPECT_EQ(dup.status, 409);
    EXPECT_EQ(dup.json()["code"], "ambient-api-server-6");
    ASSERT_EQ(http().del(path("/projects/alpha")).status, 204);
    auto again = post("/projects", {{"name", "alpha"}, {"description", "second life"}});
    ASSERT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(http().get(path("/projects/alpha")).json()["description"], "second life");
}

TEST_P(Resources, ProjectNameIsItsIdAndCannotBeRenamed) {
    ASSERT_EQ(post("/projects", {{"name", "fixed"}}).status, 201);
    EXPECT_EQ(http().patch(path("/projects/fixed"), R"({"name":"other"})").status, 400);
    auto same = http().patch(path("/projects/fixed"), R"({"name":"fixed","description":"d"})");
    EXPECT_EQ(same.status, 200);
    EXPECT_EQ(same.json()["description"], "d");
}

TEST_P(Resources, ProjectPatchUpdatesOnlyWhatItNames) {
    ASSERT_EQ(post("/projects", {{"name", "patchme"}, {"description", "d1"}, {"prompt", "p1"}}).status, 201);
    auto r = http().patch(path("/projects/patchme"), R"({"description":"d2","labels":null})");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["description"], "d2");
    EXPECT_EQ(r.json()["prompt"], "p1");
    EXPECT_EQ(http().patch(path("/projects/patchme"), R"({"description": 5})").status, 400);
}

TEST_P(Resources, ProjectSettingsNeedALiveProjectAndAreOnePerProject) {
    auto orphan = post("/project_settings", {{"project_id", "nowhere"}});
    EXPECT_EQ(orphan.status, 400);
    EXPECT_EQ(orphan.json()["code"], "ambient-api-server-8");
    ASSERT_EQ(post("/projects", {{"name", "home"}}).status, 201);
    auto first = post("/project_settings", {{"project_id", "home"}, {"group_access", R"([{"group_name":"devs"}])"}});
    ASSERT_EQ(first.status, 201);
    EXPECT_EQ(first.json()["group_access"], R"([{"group_name":"devs"}])");
    EXPECT_EQ(post("/project_settings", {{"project_id", "home"}}).status, 409);
    // Settings never move to another project (where the caller may hold no rights).
    auto moved =
        http().patch(path("/project_settings/" + first.json()["id"].get<std::string>()), R"({"project_id":"nowhere"})");
    EXPECT_EQ(moved.status, 200);
    EXPECT_EQ(moved.json()["project_id"], "home");
}

TEST_P(Resources, ProjectSettingsListIsScopedByProject) {
    for (const char* p : {"one", "two"}) {
        ASSERT_EQ(post("/projects", {{"name", p}}).status, 201);
        ASSERT_EQ(post("/project_settings", {{"project_id", p}}).status, 201);
    }
    EXPECT_EQ(http().get(path("/project_settings")).json()["total"], 2);
    EXPECT_EQ(http().get(path("/project_settings?project_id=one")).json()["total"], 1);
    EXPECT_EQ(http().get(path("/project_settings"), {{"X-Ambient-Project", "two"}}).json()["items"][0]["project_id"],
              "two");
    // The query wins over the header.
    EXPECT_EQ(http()
                  .get(path("/project_settings?project_id=one"), {{"X-Ambient-Project", "two"}})
                  .json()["items"][0]["project_id"],
              "one");
    EXPECT_EQ(http().get(path("/project_settings?project_id=" + url_encode("one' or '1'='1"))).status, 400);
    EXPECT_EQ(http().get(path("/project_settings"), {{"X-Ambient-Project", "a b"}}).status, 400);
}

TEST_P(Resources, DeletingAProjectDeletesItsSettings) {
    ASSERT_EQ(post("/projects", {{"name", "doomed"}}).status, 201);
    auto settings = post("/project_settings", {{"project_id", "doomed"}}).json();
    ASSERT_EQ(http().del(path("/projects/doomed")).status, 204);
    EXPECT_EQ(http().get(path("/project_settings/" + settings["id"].get<std::string>())).status, 404);
}

TEST_P(Resources, ANewProjectWithADeletedNameInheritsNothing) {
    ASSERT_EQ(post("/projects", {{"name", "reused"}}).status, 201);
    ASSERT_EQ(post("/projects/reused/agents", {{"name", "bot"}, {"project_id", "reused"}}).status, 201);
    ASSERT_EQ(
        post("/projects/reused/credentials", {{"name", "gh"}, {"provider", "github"}, {"token", "ghp_secret"}}).status,
        201);
    ASSERT_EQ(post("/sessions", {{"name", "s"}, {"project_id", "reused"}}).status, 201);
    ASSERT_EQ(post("/project_settings", {{"project_id", "reused"}}).status, 201);
    ASSERT_EQ(http().del(path("/projects/reused")).status, 204);

    ASSERT_EQ(post("/projects", {{"name", "reused"}}).status, 201);
    EXPECT_EQ(http().get(path("/projects/reused/agents")).json()["total"], 0);
    EXPECT_EQ(http().get(path("/projects/reused/credentials")).json()["total"], 0);
    EXPECT_EQ(http().get(path("/sessions?project_id=reused")).json()["total"], 0);
    EXPECT_EQ(http().get(path("/project_settings?project_id=reused")).json()["total"], 0);
    // The deleted credential's token is gone from storage, not just hidden.
    auto db = server_->open_database();
    auto lease = db->acquire();
    EXPECT_TRUE(lease->exec("SELECT 1 FROM credentials WHERE token IS NOT NULL").rows.empty());
}

TEST_P(Resources, UsernamesAreUniqueAmongLiveUsers) {
    auto first = post("/users", {{"username", "ada"}, {"name", "Ada"}});
    ASSERT_EQ(first.status, 201);
    EXPECT_EQ(post("/users", {{"username", "ada"}, {"name", "Other Ada"}}).status, 409);
    ASSERT_EQ(http().del(path("/users/" + first.json()["id"].get<std::string>())).status, 204);
    EXPECT_EQ(post("/users", {{"username", "ada"}, {"name", "Ada again"}}).status, 201);
    EXPECT_EQ(post("/users", {{"username", "bob"}}).status, 400);  // name is required
}

TEST_P(Resources, BuiltInRolesAreSeededAndProtected) {
    auto r = http().get(path("/roles?size=100"));
    ASSERT_EQ(r.status, 200);
    std::set<std::string> names;
    const auto body = r.json();
    ASSERT_FALSE(body["items"].empty());
    for (const auto& role : body["items"]) {
        names.insert(role["name"].get<std::string>());
        EXPECT_TRUE(role["built_in"].get<bool>());
        EXPECT_FALSE(role["created_at"].get<std::string>().empty());
        EXPECT_TRUE(json::parse(role["permissions"].get<std::string>()).is_array());
    }
    const std::set<std::string> expected = {
        "platform:admin", "platform:viewer",  "project:owner",           "project:editor",
        "project:viewer", "agent:operator",   "agent:observer",          "agent:runner",
        "agent:editor",   "credential:owner", "credential:token-reader", "credential:viewer"};
    EXPECT_EQ(names, expected);

    const auto admin = role_id("platform:admin");
    EXPECT_EQ(http().patch(path("/roles/" + admin), R"({"description":"mine now"})").status, 403);
    EXPECT_EQ(http().del(path("/roles/" + admin)).status, 403);
    EXPECT_EQ(http().get(path("/roles/" + admin)).json()["permissions"], R"(["*:*"])");
}

TEST_P(Resources, RolePermissionsMustBeAJsonArrayOfResourceActions) {
    EXPECT_EQ(post("/roles", {{"name", "r1"}, {"permissions", "not json"}}).status, 400);
    EXPECT_EQ(post("/roles", {{"name", "r2"}, {"permissions", R"({"a":1})"}}).status, 400);
    EXPECT_EQ(post("/roles", {{"name", "r3"}, {"permissions", R"(["nocolon"])"}}).status, 400);
    EXPECT_EQ(post("/roles", {{"name", "r4"}, {"permissions", R"([1])"}}).status, 400);
    auto ok = post("/roles", {{"name", "r5"}, {"permissions", R"(["session:read","agent:*"])"}});
    ASSERT_EQ(ok.status, 201);
    EXPECT_FALSE(ok.json()["built_in"].get<bool>());
    EXPECT_EQ(post("/roles", {{"name", "r5"}}).status, 409);
    // built_in is the server's to set.
    auto sneaky = post("/roles", {{"name", "r6"}, {"built_in", true}});
    ASSERT_EQ(sneaky.status, 201);
    EXPECT_FALSE(sneaky.json()["built_in"].get<bool>());
    const std::string id = ok.json()["id"];
    EXPECT_EQ(http().patch(path("/roles/" + id), R"({"permissions":"[oops"})").status, 400);
    EXPECT_EQ(http().patch(path("/roles/" + id), R"({"permissions":"[\"project:read\"]"})").json()["permissions"],
              R"(["project:read"])");
}

TEST_P(Resources, RoleBindingScopesNeedTheirIdsAndNoOthers) {
    ASSERT_EQ(post("/projects", {{"name", "scoped"}}).status, 201);
    // The objects the scopes name must exist (and an agent must be in its project).
    auto made = [&](const std::string& path, const json& body) {
        auto r = post(path, body);
        EXPECT_EQ(r.status, 201) << r.body;
        return r.status == 201 ? r.json()["id"].get<std::string>() : std::string("missing");
    };
    const auto a1 = made("/projects/scoped/agents", {{"name", "a1"}});
    const auto s1 = made("/sessions", {{"name", "s1"}, {"project_id", "scoped"}});
    const auto c1 = made("/credentials", {{"name", "c1"}, {"provider", "github"}});
    const auto viewer = role_id("project:viewer");
    struct Case {
        json body;
        int status;
    };
    const std::vector<Case> cases = {
        {{{"scope", "global"}, {"user_id", "u1"}}, 201},
        {{{"scope", "global"}, {"user_id", "u2"}, {"project_id", "scoped"}}, 400},
        {{{"scope", "project"}, {"user_id", "u1"}, {"project_id", "scoped"}}, 201},
        {{{"scope", "project"}, {"user_id", "u1"}}, 400},
        {{{"scope", "project"}, {"user_id", "u3"}, {"project_id", "missing"}}, 400},
        {{{"scope", "project"}, {"user_id", "u3"}, {"project_id", "scoped"}, {"session_id", s1}}, 400},
        {{{"scope", "agent"}, {"user_id", "u1"}, {"project_id", "scoped"}, {"agent_id", a1}}, 201},
        {{{"scope", "agent"}, {"user_id", "u1"}, {"agent_id", a1}}, 400},
        {{{"scope", "session"}, {"user_id", "u1"}, {"session_id", s1}}, 201},
        {{{"scope", "session"}, {"user_id", "u1"}}, 400},
        {{{"scope", "credential"}, {"user_id", "u1"}, {"credential_id", c1}}, 201},
        {{{"scope", "credential"}, {"credential_id", c1}, {"project_id", "scoped"}}, 201},
        {{{"scope", "credential"}, {"credential_id", c1}, {"project_id", "scoped"}, {"agent_id", a1}}, 201},
        {{{"scope", "credential"}, {"credential_id", c1}, {"agent_id", a1}}, 400},
        {{{"scope", "credential"}, {"credential_id", c1}, {"session_id", s1}}, 400},
        {{{"scope", "credential"}, {"user_id", "u1"}}, 400},
        {{{"scope", "galaxy"}, {"user_id", "u1"}}, 400},
        {{{"scope", "agent"}, {"user_id", "u4"}, {"project_id", "scoped"}, {"agent_id", "no-such-agent"}}, 400},
        {{{"scope", "session"}, {"user_id", "u4"}, {"session_id", "no-such-session"}}, 400},
        {{{"scope", "credential"}, {"user_id", "u4"}, {"credential_id", "no-such-credential"}}, 400},
    };
    for (const auto& c : cases) {
        auto body = c.body;
        body["role_id"] = viewer;
        auto r = post("/role_bindings", body);
        EXPECT_EQ(r.status, c.status) << body.dump() << " → " << r.body;
    }
    EXPECT_EQ(post("/role_bindings", {{"role_id", "no-such-role"}, {"scope", "global"}, {"user_id", "u9"}}).status,
              400);
}

TEST_P(Resources, DuplicateRoleBindingsConflict) {
    const json body = {{"role_id", role_id("platform:viewer")}, {"scope", "global"}, {"user_id", "carol"}};
    auto first = post("/role_bindings", body);
    ASSERT_EQ(first.status, 201);
    EXPECT_EQ(post("/role_bindings", body).status, 409);
    // A patch may not turn a binding into another one's duplicate, nor into a bad scope.
    auto other =
        post("/role_bindings", {{"role_id", role_id("platform:viewer")}, {"scope", "global"}, {"user_id", "dave"}});
    const std::string other_id = other.json()["id"];
    EXPECT_EQ(http().patch(path("/role_bindings/" + other_id), R"({"user_id":"carol"})").status, 409);
    EXPECT_EQ(http().patch(path("/role_bindings/" + other_id), R"({"scope":"project"})").status, 400);
    ASSERT_EQ(http().del(path("/role_bindings/" + first.json()["id"].get<std::string>())).status, 204);
    EXPECT_EQ(post("/role_bindings", body).status, 201);
}

TEST_P(Resources, TimestampSearchesMeanTheSameOnBothDatabases) {
    ASSERT_EQ(post("/projects", {{"name", "timely"}}).status, 201);
    const std::string created = http().get(path("/projects/timely")).json()["created_at"];
    auto count = [&](const std::string& q) {
        auto r = http().get(path("/projects?search=" + url_encode(q)));
        EXPECT_EQ(r.status, 200) << q << ": " << r.body;
        return r.json()["total"].get<int>();
    };
    EXPECT_EQ(count("created_at > '2020-01-01T00:00:00Z'"), 1);
    EXPECT_EQ(count("created_at > '2020-01-01'"), 1);
    EXPECT_EQ(count("created_at < '2999-01-01T00:00:00+05:00'"), 1);
    EXPECT_EQ(count("created_at > '2999-01-01T00:00:00Z'"), 0);
    EXPECT_EQ(count("created_at = '" + created + "'"), 1);
    EXPECT_EQ(http().get(path("/projects?search=" + url_encode("created_at > 'yesterday'"))).status, 400);
}

INSTANTIATE_TEST_SUITE_P(Backends, Resources, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
