// acpctl get and describe against the real server: every kind's table, the JSON, YAML and
// name formats, search and paging, error lines and exit codes, and `get -w` following
// changes across a server restart.
#include <chrono>
#include <string>
#include <vector>

#include "cli/cli_fixture.hpp"
#include "cli/golden/normalise.hpp"

namespace ambient::testing::cli {
namespace {

using std::chrono::seconds;

// A project with an agent, a session and settings, a second project, a user, a custom role,
// a credential: one of every kind.
class GetTest : public CliTest {
protected:
    void SetUp() override {
        CliTest::SetUp();
        const auto viewer = admin().get("/api/ambient/v1/roles?search=" + url_encode("name = 'project:viewer'"));
        viewer_role_ = viewer.json()["items"][0]["id"];
        made("/projects", {{"name", "alpha"}, {"description", "first project"}});
        made("/projects", {{"name", "beta"}});
        agent_ = made("/projects/alpha/agents", {{"name", "bot"}, {"prompt", "be helpful"}});
        session_ = made("/sessions", {{"name", "s1"}, {"project_id", "alpha"}, {"llm_model", "m1"}});
        made("/project_settings", {{"project_id", "alpha"}});
        made("/users", {{"username", "carol"}, {"name", "Carol C"}, {"email", "carol@example.com"}});
        made("/roles", {{"name", "custom:reader"}, {"display_name", "Reader"}, {"permissions", "[\"session:read\"]"}});
        made("/credentials", {{"name", "gh"}, {"provider", "github"}, {"description", "bot token"}, {"token", "t0k"}});
        made("/role_bindings",
             {{"role_id", viewer_role_}, {"scope", "project"}, {"user_id", "carol"}, {"project_id", "alpha"}});
    }

    std::string viewer_role_;

    json agent_;
    json session_;
};

struct GoldenCase {
    std::vector<std::string> args;
    std::string golden;  // normalised stdout
};

TEST_F(GetTest, TablesOfEveryKindMatchTheirGoldens) {
    const std::vector<GoldenCase> cases = {
        {{"get", "projects"},
         "ID                            NAME                             STATUS\n"
         "alpha                         alpha\n"
         "beta                          beta\n"},
        {{"get", "Proj", "alpha"},
         "ID                            NAME                             STATUS\n"
         "alpha                         alpha\n"},
        {{"get", "projects", "-o", "wide"},
         "ID                            NAME                             STATUS       DESCRIPTION                 "
         "               AGE\n"
         "alpha                         alpha                                         first project              "
         "                <AGE>\n"
         "beta                          beta                                                                     "
         "                <AGE>\n"},
        {{"get", "sessions"},
         "ID                            NAME                             PROJECT                PHASE          MODEL   "
         "           AGE\n"
         "<ID>   s1                               alpha                                 m1                 <AGE>\n"},
        {{"get", "agents", "--project-id", "alpha"},
         "ID                            NAME                       PROJECT                       SESSION               "
         "        AGE\n"
         "<ID>   bot                        alpha                                                       <AGE>\n"},
        {{"get", "pa", "bot", "--project-id", "alpha"},
         "ID                            NAME                       PROJECT                       SESSION               "
         "        AGE\n"
         "<ID>   bot                        alpha                                                       <AGE>\n"},
        {{"get", "ps"},
         "ID                            PROJECT ID                    AGE\n"
         "<ID>   alpha                         <AGE>\n"},
        {{"get", "users", "carol"},
         "ID                            USERNAME                         NAME                             EMAIL\n"
         "<ID>   carol                            Carol C                          carol@example.com\n"},
        {{"get", "roles", "--search", "name like 'custom%'"},
         "ID                            NAME                             DISPLAY NAME                     BUILT-IN\n"
         "<ID>   custom:reader                    Reader                           false\n"},
        {{"get", "role", "project:owner"},
         "ID                            NAME                             DISPLAY NAME                     BUILT-IN\n"
         "<ID>   project:owner                    Project Owner                    true\n"},
        {{"get", "creds"},
         "ID                            NAME                       PROVIDER       DESCRIPTION                        "
         "AGE\n"
         "<ID>   gh                         github         bot token                          <AGE>\n"},
    };
    for (const auto& c : cases) {
        const auto r = acpctl(c.args);
        EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(c.args) << r.err;
        EXPECT_EQ(normalised(r.out), c.golden) << ::testing::PrintToString(c.args) << "\n" << r.out;
    }
}

TEST_F(GetTest, RoleBindingsShowTheirScopeTarget) {
    const auto r = acpctl({"get", "rb", "--search", "user_id = 'carol'"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(normalised(r.out),
              "ID                            USER                          ROLE                          SCOPE        "
              "SCOPE ID\n"
              "<ID>   carol                         <ID>   project      alpha\n");
}

TEST_F(GetTest, JsonAndYamlMatchTheirGoldens) {
    const std::vector<GoldenCase> cases = {
        {{"get", "projects", "-o", "json", "--search", "name = 'alpha'"},
         R"({
  "items": [
    {
      "created_at": "<TIME>",
      "description": "first project",
      "href": "/api/ambient/v1/projects/alpha",
      "id": "alpha",
      "kind": "Project",
      "name": "alpha",
      "updated_at": "<TIME>"
    }
  ],
  "kind": "ProjectList",
  "page": 1,
  "size": 1,
  "total": 1
}
)"},
        {{"get", "project", "alpha", "-o", "yaml"},
         "created_at: <TIME>\n"
         "description: first project\n"
         "href: /api/ambient/v1/projects/alpha\n"
         "id: alpha\n"
         "kind: Project\n"
         "name: alpha\n"
         "updated_at: <TIME>\n"},
        {{"describe", "session", "s1"},
         R"({
  "created_at": "<TIME>",
  "created_by_user_id": "ambient-service",
  "href": "/api/ambient/v1/sessions/<ID>",
  "id": "<ID>",
  "kind": "Session",
  "kube_cr_name": "session-<CR>",
  "llm_max_tokens": 4000,
  "llm_model": "m1",
  "llm_temperature": 0.7,
  "name": "s1",
  "project_id": "alpha",
  "updated_at": "<TIME>"
}
)"},
        {{"describe", "agent", "bot", "--project-id", "alpha", "-o", "yaml"},
         "created_at: <TIME>\n"
         "href: /api/ambient/v1/agents/<ID>\n"
         "id: <ID>\n"
         "kind: Agent\n"
         "llm_max_tokens: 4000\n"
         "llm_model: claude-sonnet-4-6\n"
         "llm_temperature: 0.7\n"
         "name: bot\n"
         "owner_user_id: ambient-service\n"
         "project_id: alpha\n"
         "prompt: be helpful\n"
         "updated_at: <TIME>\n"},
        {{"get", "sessions", "-o", "name"}, "session/<ID>\n"},
        {{"get", "credential", "gh", "-o", "name"}, "credential/<ID>\n"},
    };
    for (const auto& c : cases) {
        const auto r = acpctl(c.args);
        EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(c.args) << r.err;
        EXPECT_EQ(normalised(r.out), c.golden) << ::testing::PrintToString(c.args) << "\n" << r.out;
    }
}

TEST_F(GetTest, ListJsonIsTheServersListObject) {
    const auto r = acpctl({"get", "sessions", "-o", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto list = json::parse(r.out);
    EXPECT_EQ(list["kind"], "SessionList");
    ASSERT_EQ(list["items"].size(), 1u);
    EXPECT_EQ(list["items"][0]["id"], session_["id"]);
}

TEST_F(GetTest, AgentsAndDescribeFindAnAgentByNameOrId) {
    const std::string id = agent_["id"];
    // By name in the current project, by id in the flag's project, and by id with no
    // project at all (the flat /agents/{id}).
    for (const auto& [args, env] : std::vector<std::pair<std::vector<std::string>, EnvChanges>>{
             {{"describe", "agent", "bot"}, {"AMBIENT_PROJECT=alpha"}},
             {{"describe", "agent", id, "--project-id", "alpha"}, {}},
             {{"describe", "agent", id}, {}},
             {{"get", "agent", id, "-o", "json"}, {}},
         }) {
        const auto r = acpctl(args, env);
        ASSERT_EQ(r.exit_code, 0) << ::testing::PrintToString(args) << r.err;
        EXPECT_EQ(json::parse(r.out)["id"], id) << ::testing::PrintToString(args);
    }
    const auto wrong_project = acpctl({"describe", "agent", "bot", "--project-id", "beta"});
    EXPECT_EQ(wrong_project.exit_code, 2);
    EXPECT_EQ(wrong_project.err, "Error: agent \"bot\" not found in project \"beta\"\n");
}

TEST_F(GetTest, SearchSelectsWhatTheServerMatches) {
    const auto r = acpctl({"get", "projects", "--search", "name = 'beta'", "-o", "name"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "project/beta\n");
    const auto bad = acpctl({"get", "projects", "--search", "colour = 'red'"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_EQ(bad.err.rfind("Error: list projects: ", 0), 0u) << bad.err;
}

TEST_F(GetTest, LimitPagesAndAllPagesFetchesThemAll) {
    for (const char* name : {"p1", "p2", "p3"})
        made("/projects", {{"name", name}});
    const auto page = json::parse(acpctl({"get", "projects", "--limit", "2", "-o", "json"}).out);
    EXPECT_EQ(page["items"].size(), 2u);
    EXPECT_EQ(page["total"], 5);

    const auto all = acpctl({"get", "projects", "--limit", "2", "--all-pages", "-o", "name"});
    ASSERT_EQ(all.exit_code, 0) << all.err;
    EXPECT_EQ(all.out, "project/alpha\nproject/beta\nproject/p1\nproject/p2\nproject/p3\n");
    const auto all_json = json::parse(acpctl({"get", "projects", "--limit", "2", "--all-pages", "-o", "json"}).out);
    EXPECT_EQ(all_json["items"].size(), 5u);
    EXPECT_EQ(all_json["size"], 5);
    EXPECT_EQ(all_json["total"], 5);
}

TEST_F(GetTest, ProjectAgentListsThatAgentsSessions) {
    const std::string agent = agent_["id"];
    const auto start = admin().post("/api/ambient/v1/projects/alpha/agents/" + agent + "/start", "{}");
    ASSERT_EQ(start.status, 201) << start.body;
    const std::string started = start.json()["session"]["id"];
    const auto r = acpctl({"get", "sessions", "--project-agent", "bot", "--project-id", "alpha", "-o", "name"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "session/" + started + "\n");  // not s1, which is no session of bot
}

struct ErrorCase {
    std::vector<std::string> args;
    EnvChanges env;
    int exit_code;
    std::string err;  // the whole stderr, or its start when it ends with "…"
};

TEST_F(GetTest, FailuresAreOneLineWithTheirExitCode) {
    const auto stranger = "AMBIENT_TOKEN=" + user_token("dave");
    const std::string valid = "sessions, projects, agents, project-settings, users, roles, role-bindings, credentials";
    const std::vector<ErrorCase> cases = {
        {{"get", "foo"}, {}, 1, "Error: unknown resource type \"foo\" (valid types: " + valid + ")\n"},
        {{"describe", "widgets", "x"},
         {},
         1,
         "Error: unknown resource type \"widgets\" (valid types: " + valid + ")\n"},
        {{"get", "projects", "-o", "xml"}, {}, 1, "Error: unknown output format \"xml\"…"},
        {{"get", "projects", "--limit", "0"}, {}, 1, "Error: --limit must be at least 1, not 0\n"},
        {{"get", "agents"}, {}, 1, "Error: no project set; use --project-id…"},
        {{"get", "project", "nope"}, {}, 2, "Error: get project \"nope\": Project with id='nope' not found…"},
        {{"get", "session", "nope"}, {}, 2, "Error: session \"nope\" not found\n"},
        {{"describe", "credential", "nope"}, {}, 2, "Error: credential \"nope\" not found\n"},
        // A user with no binding on alpha is not told it exists.
        {{"get", "project", "alpha"},
         {stranger},
         2,
         "Error: get project \"alpha\": Project with id='alpha' not found…"},
        {{"describe", "session", "s1"}, {stranger}, 2, "Error: session \"s1\" not found\n"},
        {{"get", "projects"}, {"AMBIENT_TOKEN"}, 3, "Error: not logged in; run 'acpctl login' first\n"},
        {{"get", "projects"}, {"AMBIENT_TOKEN=not-a-valid-token-at-all-0123456789"}, 3, "Error: list projects: …"},
    };
    for (const auto& c : cases) {
        const auto r = acpctl(c.args, c.env);
        const auto what = ::testing::PrintToString(c.args);
        EXPECT_EQ(r.exit_code, c.exit_code) << what << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << r.err;
        const bool prefix = c.err.ends_with("…");
        if (prefix)
            EXPECT_EQ(r.err.rfind(c.err.substr(0, c.err.size() - std::string("…").size()), 0), 0u) << what << r.err;
        else
            EXPECT_EQ(r.err, c.err) << what;
    }
    // The stranger's list is empty, not an error.
    const auto list = acpctl({"get", "projects", "-o", "json"}, {stranger});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    EXPECT_EQ(json::parse(list.out)["total"], 0);
}

// ---- get -w ----

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

TEST_F(GetTest, WatchPrintsTheListThenEveryChange) {
    auto watch = acpctl_background({"get", "projects", "-w"});
    ASSERT_TRUE(watch->wait_for("beta")) << watch->out() << watch->err();
    made("/projects", {{"name", "gamma"}});
    ASSERT_TRUE(watch->wait_for("gamma")) << watch->out();
    ASSERT_EQ(admin().patch("/api/ambient/v1/projects/gamma", R"({"status":"archived"})").status, 200);
    ASSERT_TRUE(watch->wait_for("archived")) << watch->out();
    ASSERT_EQ(admin().del("/api/ambient/v1/projects/gamma").status, 204);
    ASSERT_TRUE(watch->wait_for("DELETED")) << watch->out();
    watch->interrupt();
    EXPECT_EQ(watch->wait_exit(), 0);  // Ctrl-C is a normal end
    EXPECT_EQ(normalised(watch->out()),
              "ID                            NAME                             STATUS\n"
              "alpha                         alpha\n"
              "beta                          beta\n"
              "gamma                         gamma\n"
              "gamma                         gamma                            archived\n"
              "gamma                         gamma                            DELETED\n");
}

TEST_F(GetTest, WatchShowsADeletedSessionInThePhaseColumn) {
    auto watch = acpctl_background({"get", "sessions", "-w"});
    ASSERT_TRUE(watch->wait_for("s1")) << watch->out() << watch->err();
    const std::string id = session_["id"];
    ASSERT_EQ(admin().post("/api/ambient/v1/sessions/" + id + "/start", "{}").status, 200);
    ASSERT_TRUE(watch->wait_for("Pending")) << watch->out();
    ASSERT_EQ(admin().del("/api/ambient/v1/sessions/" + id).status, 204);
    ASSERT_TRUE(watch->wait_for("DELETED")) << watch->out();
    EXPECT_EQ(
        normalised(watch->out()),
        "ID                            NAME                             PROJECT                PHASE          MODEL    "
        "          AGE\n"
        "<ID>   s1                               alpha                                 m1                 <AGE>\n"
        "<ID>   s1                               alpha                  Pending        m1                 <AGE>\n"
        "<ID>   s1                               alpha                  DELETED        m1                 <AGE>\n");
}

TEST_F(GetTest, WatchJsonPrintsOneCompactLinePerEvent) {
    auto watch = acpctl_background({"get", "agents", "--project-id", "alpha", "-w", "-o", "json"});
    ASSERT_TRUE(watch->wait_for("\"bot\"")) << watch->out() << watch->err();
    const auto helper = made("/projects/alpha/agents", {{"name", "helper"}});
    made("/projects/beta/agents", {{"name", "elsewhere"}});  // another project's: not shown
    ASSERT_EQ(admin().del("/api/ambient/v1/projects/alpha/agents/" + helper["id"].get<std::string>()).status, 204);
    ASSERT_TRUE(watch->wait_for("DELETED")) << watch->out();
    std::vector<std::pair<std::string, std::string>> events;  // type, object name
    std::istringstream lines(watch->out());
    for (std::string line; std::getline(lines, line);) {
        const auto event = json::parse(line);
        events.emplace_back(event["type"], event["object"].value("name", ""));
        EXPECT_EQ(line.rfind("{\"type\":", 0), 0u) << line;
    }
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"LISTED", "bot"}, {"CREATED", "helper"}, {"DELETED", "helper"}};
    EXPECT_EQ(events, expected) << watch->out();
}

TEST_F(GetTest, WatchResumesAfterAServerRestartWithoutLosingOrRepeatingAChange) {
    auto watch = acpctl_background({"get", "projects", "-w"});
    ASSERT_TRUE(watch->wait_for("beta")) << watch->out() << watch->err();
    made("/projects", {{"name", "before"}});
    ASSERT_TRUE(watch->wait_for("before")) << watch->out();
    restart_server();
    // Made while acpctl is still reconnecting: it arrives by the resume.
    made("/projects", {{"name", "during"}});
    ASSERT_TRUE(watch->wait_for("during")) << watch->out() << watch->err();
    ASSERT_EQ(admin().patch("/api/ambient/v1/projects/before", R"({"status":"moved"})").status, 200);
    ASSERT_TRUE(watch->wait_for("moved")) << watch->out();
    const auto out = watch->out();
    EXPECT_EQ(count(out, "\nbefore "), 2) << out;  // created, then moved
    EXPECT_EQ(count(out, "\nduring "), 1) << out;
    EXPECT_EQ(count(out, "\nalpha "), 1) << out;
}

TEST_F(GetTest, WatchTimeoutEndsTheWatchWithExitZero) {
    const auto began = std::chrono::steady_clock::now();
    const auto r = acpctl({"get", "roles", "-w", "--watch-timeout", "1s"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LT(std::chrono::steady_clock::now() - began, seconds(15));
    EXPECT_EQ(r.out.rfind("ID ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("custom:reader"), std::string::npos) << r.out;
}

TEST_F(GetTest, WatchRefusesWhatItCannotFollow) {
    const std::vector<ErrorCase> cases = {
        {{"get", "sessions", "s1", "-w"}, {}, 1, "Error: --watch follows a whole kind…"},
        {{"get", "sessions", "-w", "-o", "yaml"}, {}, 1, "Error: --watch prints -o table, wide or json\n"},
        {{"get", "sessions", "-w", "--search", "name = 'x'"}, {}, 1, "Error: --search cannot be used with --watch\n"},
        {{"get", "sessions", "-w", "--watch-timeout", "soon"}, {}, 1, "Error: invalid --watch-timeout \"soon\"…"},
        // Expired well beyond the server's 60 s leeway: one that expired exactly 60 s ago is
        // still accepted within the second it was minted, and the watch would open.
        {{"get", "projects", "-w"},
         {"AMBIENT_TOKEN=" + user_token("dave", seconds(-600))},
         3,
         "Error: watch projects: …"},
    };
    for (const auto& c : cases) {
        const auto r = acpctl(c.args, c.env);
        EXPECT_EQ(r.exit_code, c.exit_code) << ::testing::PrintToString(c.args) << r.err;
        EXPECT_EQ(r.err.rfind(c.err.substr(0, c.err.find("…")), 0), 0u) << r.err;
    }
}

}  // namespace
}  // namespace ambient::testing::cli
