// acpctl agent …: the real commands against the real server.
#include "cli/cli_fixture.hpp"

namespace ambient::testing::cli {
namespace {

class AgentCli : public CliTest {
protected:
    void SetUp() override {
        CliTest::SetUp();
        made("/projects", {{"name", "alpha"}});
    }

    // Creates an agent of alpha through the CLI; its JSON.
    json create_agent(const std::string& name, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args = {"agent", "create", "--project-id", "alpha", "--name", name, "-o", "json"};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = acpctl(args);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return json::parse(r.out);
    }

    json agent_on_server(const std::string& id) {
        return admin().get("/api/ambient/v1/projects/alpha/agents/" + id).json();
    }
};

TEST_F(AgentCli, CreatePrintsTheNameAndJsonGivesTheAgent) {
    const auto r = acpctl({"agent", "create", "--project-id", "alpha", "--name", "reviewer", "--prompt", "Review PRs"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "agent/reviewer created\n");

    const auto agent = create_agent("writer", {"--model", "claude-opus-4", "--description", "writes docs"});
    EXPECT_EQ(agent["name"], "writer");
    EXPECT_EQ(agent["project_id"], "alpha");
    EXPECT_EQ(agent["llm_model"], "claude-opus-4");
    EXPECT_EQ(agent["description"], "writes docs");
    EXPECT_EQ(agent["id"].get<std::string>().size(), 27u);
}

TEST_F(AgentCli, CreateWithoutAProjectIsAUsageError) {
    const auto r = acpctl({"agent", "create", "--name", "x"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no project set"), std::string::npos) << r.err;
}

TEST_F(AgentCli, ListAndGetUseTheEffectiveProject) {
    const auto agent = create_agent("reviewer");
    const auto list = acpctl({"agent", "list"}, {"AMBIENT_PROJECT=alpha"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    EXPECT_EQ(list.out.rfind("ID", 0), 0u) << list.out;
    for (const char* header : {"NAME", "PROJECT", "SESSION", "AGE"})
        EXPECT_NE(list.out.find(header), std::string::npos) << list.out;
    EXPECT_NE(list.out.find(agent["id"].get<std::string>() + "   reviewer"), std::string::npos) << list.out;

    const auto get = acpctl({"agent", "get", "reviewer", "-o", "json"}, {"AMBIENT_PROJECT=alpha"});
    EXPECT_EQ(get.exit_code, 0) << get.err;
    EXPECT_EQ(json::parse(get.out)["id"], agent["id"]);

    const auto names = acpctl({"agent", "list", "--project-id", "alpha", "-o", "name"});
    EXPECT_EQ(names.out, "agent/" + agent["id"].get<std::string>() + "\n");
    const auto as_json = json::parse(acpctl({"agent", "list", "--project-id", "alpha", "-o", "json"}).out);
    EXPECT_EQ(as_json["kind"], "AgentList");
    EXPECT_EQ(as_json["items"].size(), 1u);
}

TEST_F(AgentCli, GetOfAnUnknownAgentExitsNotFound) {
    const auto r = acpctl({"agent", "get", "ghost", "--project-id", "alpha"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "Error: agent \"ghost\" not found in project \"alpha\"\n");
}

TEST_F(AgentCli, UpdateChangesOnlyTheFlagsGiven) {
    const auto agent = create_agent("reviewer", {"--prompt", "Review PRs"});
    const auto r = acpctl({"agent", "update", "reviewer", "--project-id", "alpha", "--description", "the reviewer"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "agent/reviewer updated\n");
    const auto stored = agent_on_server(agent["id"]);
    EXPECT_EQ(stored["description"], "the reviewer");
    EXPECT_EQ(stored["prompt"], "Review PRs");

    const auto nothing = acpctl({"agent", "update", "reviewer", "--project-id", "alpha"});
    EXPECT_EQ(nothing.exit_code, 1);
    EXPECT_NE(nothing.err.find("nothing to update"), std::string::npos) << nothing.err;
}

TEST_F(AgentCli, DeleteNeedsConfirm) {
    const auto agent = create_agent("reviewer");
    const auto refused = acpctl({"agent", "delete", "reviewer", "--project-id", "alpha"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.err, "Error: add --confirm to delete agent/reviewer\n");
    EXPECT_EQ(admin().get("/api/ambient/v1/projects/alpha/agents/" + agent["id"].get<std::string>()).status, 200);

    const auto r = acpctl({"agent", "delete", "reviewer", "--project-id", "alpha", "--confirm"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "agent/reviewer deleted\n");
    EXPECT_EQ(admin().get("/api/ambient/v1/projects/alpha/agents/" + agent["id"].get<std::string>()).status, 404);
}

TEST_F(AgentCli, StartPrintsTheSessionAndJsonIsTheSessionObject) {
    create_agent("reviewer");
    const auto started =
        acpctl({"agent", "start", "reviewer", "--project-id", "alpha", "--prompt", "go", "-o", "json"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    const auto session = json::parse(started.out);
    EXPECT_EQ(session["kind"], "Session");
    EXPECT_EQ(session["phase"], "Pending");
    const auto id = session["id"].get<std::string>();
    EXPECT_EQ(id.size(), 27u);

    // A second start hands back the active session instead of making another.
    const auto again = acpctl({"agent", "start", "reviewer", "--project-id", "alpha"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out, "session/" + id + " already active (phase: Pending)\n");
}

TEST_F(AgentCli, StartPrintsUpstreamsLine) {
    create_agent("reviewer");
    const auto r = acpctl({"agent", "start", "reviewer", "--project-id", "alpha"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("session/", 0), 0u) << r.out;
    EXPECT_NE(r.out.find(" started (phase: Pending)\n"), std::string::npos) << r.out;
}

TEST_F(AgentCli, StopStopsTheActiveSessionOnce) {
    create_agent("reviewer");
    const auto idle = acpctl({"agent", "stop", "reviewer", "--project-id", "alpha"});
    EXPECT_EQ(idle.exit_code, 0) << idle.err;
    EXPECT_EQ(idle.out, "agent/reviewer has no active session\n");

    const auto started = acpctl({"agent", "start", "reviewer", "--project-id", "alpha", "-o", "json"});
    const auto id = json::parse(started.out)["id"].get<std::string>();
    const auto stopped = acpctl({"agent", "stop", "reviewer", "--project-id", "alpha"});
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_EQ(stopped.out, "agent/reviewer session/" + id + " stopped (phase: Stopping)\n");
    EXPECT_EQ(admin().get("/api/ambient/v1/sessions/" + id).json()["phase"], "Stopping");

    const auto twice = acpctl({"agent", "stop", "reviewer", "--project-id", "alpha"});
    EXPECT_EQ(twice.exit_code, 0) << twice.err;
    EXPECT_EQ(twice.out, "agent/reviewer session/" + id + " already Stopping\n");
}

TEST_F(AgentCli, IgnitionPrintsTheStartingPrompt) {
    create_agent("reviewer", {"--prompt", "Review every PR"});
    const auto r = acpctl({"agent", "ignition", "reviewer", "--project-id", "alpha", "--prompt", "PR 7"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("# Agent Start: reviewer\n", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("Review every PR"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("## Task for this Run\n\nPR 7"), std::string::npos) << r.out;

    const auto preview = acpctl({"agent", "start-preview", "reviewer", "--project-id", "alpha", "-o", "json"});
    EXPECT_EQ(preview.exit_code, 0) << preview.err;
    EXPECT_NE(json::parse(preview.out)["starting_prompt"].get<std::string>().find("Review every PR"),
              std::string::npos);
}

TEST_F(AgentCli, SessionsListsTheAgentsSessions) {
    create_agent("reviewer");
    const auto started = acpctl({"agent", "start", "reviewer", "--project-id", "alpha", "-o", "json"});
    const auto id = json::parse(started.out)["id"].get<std::string>();
    const auto r = acpctl({"agent", "sessions", "reviewer", "--project-id", "alpha"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto header = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(header.find("ID"), 0u) << header;
    EXPECT_EQ(header.find("NAME"), 30u) << header;
    EXPECT_EQ(header.find("PHASE"), 65u) << header;
    EXPECT_EQ(header.find("AGE"), 80u) << header;
    EXPECT_NE(r.out.find(id), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Pending"), std::string::npos) << r.out;

    const auto list = json::parse(acpctl({"agent", "sessions", "reviewer", "--project-id", "alpha", "-o", "json"}).out);
    ASSERT_EQ(list["items"].size(), 1u);
    EXPECT_EQ(list["items"][0]["id"], id);
}

}  // namespace
}  // namespace ambient::testing::cli
