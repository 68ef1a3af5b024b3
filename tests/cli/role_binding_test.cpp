// acpctl role-binding …: names resolved to ids on create, shown as names on list.
#include "cli/cli_fixture.hpp"

namespace ambient::testing::cli {
namespace {

class RoleBindingCli : public CliTest {
protected:
    void SetUp() override {
        CliTest::SetUp();
        made("/projects", {{"name", "alpha"}});
        agent_id_ = made("/projects/alpha/agents", {{"name", "reviewer"}})["id"];
    }

    std::string role_id(const std::string& name) {
        const auto roles = admin().get("/api/ambient/v1/roles?size=100").json()["items"];
        for (const auto& role : roles) {
            if (role["name"] == name) return role["id"];
        }
        ADD_FAILURE() << "no role " << name;
        return {};
    }

    // An agent-scoped viewer binding for alice made through the CLI; its JSON.
    json bind_alice() {
        const auto r = acpctl({"role-binding", "create", "--role", "agent:observer", "--scope", "agent", "--user-id",
                               "alice", "--project-id", "alpha", "--agent-id", "reviewer", "-o", "json"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return json::parse(r.out);
    }

    std::string agent_id_;
};

TEST_F(RoleBindingCli, CreateResolvesTheRoleAndAgentNames) {
    const auto binding = bind_alice();
    EXPECT_EQ(binding["role_id"], role_id("agent:observer"));
    EXPECT_EQ(binding["agent_id"], agent_id_);
    EXPECT_EQ(binding["project_id"], "alpha");
    EXPECT_EQ(binding["user_id"], "alice");

    const auto r = acpctl({"rb", "create", "--role-id", role_id("project:viewer"), "--scope", "project", "--user-id",
                           "bob", "--scope-id", "alpha"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("role-binding/", 0), 0u) << r.out;
    EXPECT_NE(r.out.find(" created\n"), std::string::npos) << r.out;
}

TEST_F(RoleBindingCli, CreateRefusalsKeepTheServersReason) {
    const auto unknown_role =
        acpctl({"role-binding", "create", "--role", "no-such-role", "--scope", "project", "--project-id", "alpha"});
    EXPECT_EQ(unknown_role.exit_code, 2);
    EXPECT_EQ(unknown_role.err, "Error: role \"no-such-role\" not found\n");

    const auto missing_id = acpctl({"role-binding", "create", "--role", "project:viewer", "--scope", "agent",
                                    "--user-id", "bob", "--project-id", "alpha"});
    EXPECT_EQ(missing_id.exit_code, 1);
    EXPECT_NE(missing_id.err.find("scope 'agent' requires agent_id"), std::string::npos) << missing_id.err;
}

TEST_F(RoleBindingCli, ListShowsRoleNamesAndTargets) {
    const auto binding = bind_alice();
    const auto credential = made("/credentials", {{"name", "gh"}, {"provider", "github"}});
    ASSERT_EQ(acpctl({"grant", "gh", "--project", "alpha", "--agent", "reviewer"}).exit_code, 0);

    const auto r = acpctl({"role-binding", "list"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("ID", 0), 0u) << r.out;
    for (const char* header : {"USER", "ROLE", "SCOPE", "TARGET"})
        EXPECT_NE(r.out.find(header), std::string::npos) << r.out;
    const auto row_start = r.out.find(binding["id"].get<std::string>());
    ASSERT_NE(row_start, std::string::npos) << r.out;
    const auto row = r.out.substr(row_start, r.out.find('\n', row_start) - row_start);
    EXPECT_NE(row.find("alice"), std::string::npos) << row;
    EXPECT_NE(row.find("agent:observer"), std::string::npos) << row;
    EXPECT_NE(row.find("agent/reviewer"), std::string::npos) << row;
    EXPECT_NE(r.out.find("credential:token-reader"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("credential/gh → agent/reviewer"), std::string::npos) << r.out;

    const auto list = json::parse(acpctl({"role-binding", "list", "-o", "json"}).out);
    EXPECT_EQ(list["kind"], "RoleBindingList");
    bool found = false;
    for (const auto& item : list["items"])
        found = found || (item["credential_id"] == credential["id"] && item["agent_id"] == agent_id_);
    EXPECT_TRUE(found) << list.dump();
}

TEST_F(RoleBindingCli, DeleteAsksUnlessYes) {
    const auto id = bind_alice()["id"].get<std::string>();
    const auto path = "/api/ambient/v1/role_bindings/" + id;

    const auto no = acpctl({"role-binding", "delete", id}, {}, "n\n");
    EXPECT_EQ(no.exit_code, 0) << no.err;
    EXPECT_EQ(no.out, "Delete role-binding/" + id + "? [y/N]: Aborted.\n");
    const auto no_stdin = acpctl({"role-binding", "delete", id});
    EXPECT_EQ(no_stdin.exit_code, 1);
    EXPECT_NE(no_stdin.err.find("use --yes/-y"), std::string::npos) << no_stdin.err;
    EXPECT_EQ(admin().get(path).status, 200);

    const auto yes = acpctl({"role-binding", "delete", id, "-y"});
    EXPECT_EQ(yes.exit_code, 0) << yes.err;
    EXPECT_EQ(yes.out, "role-binding/" + id + " deleted\n");
    EXPECT_EQ(admin().get(path).status, 404);
}

}  // namespace
}  // namespace ambient::testing::cli
