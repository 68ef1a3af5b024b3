// acpctl create, delete, patch, start and stop against the real server: what each sends (read
// back from the server), what it prints, the confirmation prompt, `delete sessions --all`,
// and the error lines and exit codes of refusals.
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_fixture.hpp"
#include "cli/golden/normalise.hpp"

namespace ambient::testing::cli {
namespace {

// A project alpha with an agent bot; a second project beta.
class WriteTest : public CliTest {
protected:
    void SetUp() override {
        CliTest::SetUp();
        made("/projects", {{"name", "alpha"}});
        made("/projects", {{"name", "beta"}});
        agent_ = made("/projects/alpha/agents", {{"name", "bot"}, {"prompt", "be helpful"}});
    }

    // GET through the service token; the status and the body.
    std::pair<int, json> fetch(const std::string& path) {
        const auto r = admin().get("/api/ambient/v1" + path);
        return {r.status, r.status == 200 ? r.json() : json()};
    }
    bool exists(const std::string& path) { return fetch(path).first == 200; }
    std::string role_id(const std::string& name) {
        return fetch("/roles?search=" + url_encode("name = '" + name + "'")).second["items"][0]["id"];
    }
    std::string file_with(const std::string& name, const std::string& text) {
        const auto path = home() / name;
        std::ofstream(path) << text;
        return path.string();
    }
    // "<kind>/<id> <verb>…" → id
    static std::string id_in(const std::string& line) {
        const auto slash = line.find('/');
        return line.substr(slash + 1, line.find(' ') - slash - 1);
    }

    json agent_;
};

// `fields` must be found, equal, in the object the server then holds at `/<collection>/<id>`.
struct CreateCase {
    std::vector<std::string> args;
    EnvChanges env;
    std::string out;  // normalised
    std::string collection;
    json fields;
};

TEST_F(WriteTest, CreateSendsEachKindsFieldsAndPrintsKindSlashId) {
    const std::string bot = agent_["id"];
    const std::vector<CreateCase> cases = {
        {{"create",        "session", "--name",       "s1",
          "--prompt",      "go",      "--repo-url",   "https://git.example/r",
          "--model",       "m1",      "--max-tokens", "10",
          "--temperature", "0.5",     "--timeout",    "60",
          "--project-id",  "alpha",   "--agent-id",   "bot"},
         {},
         "session/<ID> created\n",
         "sessions",
         {{"name", "s1"},
          {"prompt", "go"},
          {"repo_url", "https://git.example/r"},
          {"llm_model", "m1"},
          {"llm_max_tokens", 10},
          {"llm_temperature", 0.5},
          {"timeout", 60},
          {"project_id", "alpha"},
          {"agent_id", bot}}},
        {{"create", "sess", "--name", "s2"},
         {"AMBIENT_PROJECT=beta"},
         "session/<ID> created\n",
         "sessions",
         {{"name", "s2"}, {"project_id", "beta"}, {"llm_model", "claude-sonnet-4-6"}}},
        {{"create", "agent", "--name", "helper", "--prompt", "assist", "--project-id", "alpha"},
         {},
         "agent/<ID> created\n",
         "agents",
         {{"name", "helper"}, {"prompt", "assist"}, {"project_id", "alpha"}}},
        {{"create", "project-agent", "--name", "h2", "--model", "m2", "--max-tokens", "99"},
         {"AMBIENT_PROJECT=beta"},
         "agent/<ID> created\n",
         "agents",
         {{"name", "h2"}, {"llm_model", "m2"}, {"llm_max_tokens", 99}, {"project_id", "beta"}}},
        {{"create", "role", "--name", "custom:x", "--display-name", "X", "--description", "d", "--permissions",
          R"(["session:read"])"},
         {},
         "role/<ID> created\n",
         "roles",
         {{"name", "custom:x"}, {"display_name", "X"}, {"description", "d"}, {"permissions", R"(["session:read"])"}}},
        {{"create", "rb", "--role-id", "project:viewer", "--user-id", "bob", "--scope", "project", "--scope-id",
          "alpha"},
         {},
         "role-binding/<ID> created\n",
         "role_bindings",
         {{"role_id", role_id("project:viewer")}, {"user_id", "bob"}, {"scope", "project"}, {"project_id", "alpha"}}},
        {{"create", "role-binding", "--role-id", "agent:observer", "--user-id", "bob", "--scope", "agent", "--scope-id",
          "bot", "--project-id", "alpha"},
         {},
         "role-binding/<ID> created\n",
         "role_bindings",
         {{"role_id", role_id("agent:observer")}, {"scope", "agent"}, {"project_id", "alpha"}, {"agent_id", bot}}},
        {{"create", "credential", "--name", "gh", "--provider", "github", "--description", "d", "--url",
          "https://github.com", "--email", "a@example.com"},
         {},
         "credential/<ID> created\n",
         "credentials",
         {{"name", "gh"},
          {"provider", "github"},
          {"description", "d"},
          {"url", "https://github.com"},
          {"email", "a@example.com"}}},
    };
    for (const auto& c : cases) {
        const auto what = ::testing::PrintToString(c.args);
        const auto r = acpctl(c.args, c.env);
        ASSERT_EQ(r.exit_code, 0) << what << r.err;
        EXPECT_EQ(r.err, "") << what;
        EXPECT_EQ(normalised(r.out), c.out) << what;
        const auto [status, object] = fetch("/" + c.collection + "/" + id_in(r.out));
        ASSERT_EQ(status, 200) << what << r.out;
        for (const auto& [key, value] : c.fields.items())
            EXPECT_EQ(object.value(key, json()), value) << what << " " << key;
    }
}

TEST_F(WriteTest, CreateProjectSwitchesToIt) {
    const auto r = acpctl({"create", "project", "--name", "gamma", "--description", "third"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "Switched to project \"gamma\"\nproject/gamma created\n");
    EXPECT_EQ(fetch("/projects/gamma").second["description"], "third");
    EXPECT_EQ(json::parse(std::ifstream(config_file()))["project"], "gamma");

    // With -o json stdout is the object alone; the switch is told on stderr.
    const auto j = acpctl({"create", "proj", "--name", "delta", "-o", "json"});
    ASSERT_EQ(j.exit_code, 0) << j.err;
    EXPECT_EQ(json::parse(j.out)["id"], "delta");
    EXPECT_EQ(j.err, "Switched to project \"delta\"\n");
    EXPECT_EQ(acpctl({"create", "session", "--name", "here"}).exit_code, 0);  // in delta now
    EXPECT_EQ(fetch("/sessions?search=" + url_encode("name = 'here'")).second["items"][0]["project_id"], "delta");
}

TEST_F(WriteTest, CreateCredentialTakesTheTokenFromAFileOrStdinAndNeverPrintsIt) {
    const auto from_file = acpctl({"create", "credential", "--name", "f", "--provider", "github", "--token-file",
                                   file_with("token.txt", "s3cret-from-file\n"), "-o", "json"});
    ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
    const auto from_stdin =
        acpctl({"create", "cred", "--name", "s", "--provider", "gitlab", "--token-file", "-"}, {}, "s3cret-stdin\n");
    ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
    EXPECT_EQ(from_file.out.find("s3cret"), std::string::npos);
    EXPECT_EQ(from_stdin.out.find("s3cret"), std::string::npos);
    const std::string file_id = json::parse(from_file.out)["id"];
    EXPECT_EQ(fetch("/credentials/" + file_id + "/token").second["token"], "s3cret-from-file");
    EXPECT_EQ(fetch("/credentials/" + id_in(from_stdin.out) + "/token").second["token"], "s3cret-stdin");

    // Granting it to a project: the credential by name, the project by its -fk flag.
    const auto grant = acpctl({"create", "rb", "--role-id", "credential:token-reader", "--scope", "credential",
                               "--scope-id", "f", "--project-id-fk", "alpha"});
    ASSERT_EQ(grant.exit_code, 0) << grant.err;
    const auto binding = fetch("/role_bindings/" + id_in(grant.out)).second;
    EXPECT_EQ(binding["credential_id"], file_id);
    EXPECT_EQ(binding["project_id"], "alpha");
    EXPECT_FALSE(binding.contains("user_id"));
}

TEST_F(WriteTest, CreateWarnsAboutFlagsThatDoNotApplyAndIgnoresThem) {
    const auto r = acpctl({"create", "role", "--name", "custom:y", "--model", "m", "--prompt", "p"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err,
              "Warning: --prompt is not applicable to this resource type and will be ignored\n"
              "Warning: --model is not applicable to this resource type and will be ignored\n");
    const auto role = fetch("/roles/" + id_in(r.out)).second;
    EXPECT_EQ(role["name"], "custom:y");
}

struct ErrorCase {
    std::vector<std::string> args;
    EnvChanges env;
    int exit_code;
    std::string err;  // stderr's start
};

void expect_failures(const std::vector<ErrorCase>& cases, const std::function<CliResult(const ErrorCase&)>& run) {
    for (const auto& c : cases) {
        const auto r = run(c);
        const auto what = ::testing::PrintToString(c.args);
        EXPECT_EQ(r.exit_code, c.exit_code) << what << r.err;
        EXPECT_EQ(r.err.rfind(c.err, 0), 0u) << what << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << r.err;
    }
}

TEST_F(WriteTest, CreateFailuresAreOneLineWithTheirExitCode) {
    const auto viewer = role_id("project:viewer");
    made("/role_bindings", {{"role_id", viewer}, {"scope", "project"}, {"user_id", "vic"}, {"project_id", "alpha"}});
    const auto vic = "AMBIENT_TOKEN=" + user_token("vic");
    const std::string valid = "(valid types: session, project, agent, role, role-binding, credential)";
    const std::vector<ErrorCase> cases = {
        {{"create", "widget"}, {}, 1, "Error: unknown resource type \"widget\" " + valid + "\n"},
        {{"create", "users", "--name", "x"}, {}, 1, "Error: unknown resource type \"users\" " + valid + "\n"},
        {{"create", "project"}, {}, 1, "Error: --name is required\n"},
        {{"create", "credential", "--name", "c"}, {}, 1, "Error: --provider is required\n"},
        {{"create", "session", "--name", "x"}, {}, 1, "Error: no project set; use --project-id"},
        {{"create", "rb", "--role-id", "project:viewer"}, {}, 1, "Error: --scope is required\n"},
        {{"create", "rb", "--role-id", "project:viewer", "--scope", "galaxy"},
         {},
         1,
         "Error: unknown scope \"galaxy\""},
        {{"create", "rb", "--role-id", "no:such", "--scope", "global"}, {}, 2, "Error: role \"no:such\" not found\n"},
        {{"create", "rb", "--role-id", "project:viewer", "--scope", "session"},
         {},
         1,
         "Error: scope session needs --scope-id (the session_id)\n"},
        {{"create", "credential", "--name", "c", "--provider", "github", "--token-file", "/nonexistent/t"},
         {},
         1,
         "Error: cannot read --token-file \"/nonexistent/t\"\n"},
        {{"create", "project", "--name", "alpha"}, {}, 4, "Error: create project \"alpha\": "},
        {{"create", "session", "--name", "x", "--project-id", "alpha"}, {vic}, 3, "Error: create session \"x\": "},
        {{"create", "agent", "--name", "x", "--project-id", "beta"}, {vic}, 3, "Error: create agent \"x\": "},
    };
    expect_failures(cases, [&](const ErrorCase& c) { return acpctl(c.args, c.env); });
    EXPECT_EQ(fetch("/sessions?search=" + url_encode("name = 'x'")).second["total"], 0);
}

// ---- delete ----

TEST_F(WriteTest, DeleteAsksFirstAndOnlyYesDeletes) {
    const auto no = acpctl({"delete", "project", "alpha"}, {}, "n\n");
    EXPECT_EQ(no.exit_code, 0) << no.err;
    EXPECT_EQ(no.out, "Delete project/alpha? [y/N]: Aborted.\n");
    EXPECT_TRUE(exists("/projects/alpha"));

    const auto no_stdin = acpctl({"delete", "project", "alpha"});
    EXPECT_EQ(no_stdin.exit_code, 1);
    EXPECT_EQ(no_stdin.err, "Error: interactive confirmation required; use --yes/-y to skip\n");
    EXPECT_TRUE(exists("/projects/alpha"));

    const auto yes = acpctl({"delete", "proj", "alpha"}, {}, "y\n");
    EXPECT_EQ(yes.exit_code, 0) << yes.err;
    EXPECT_EQ(yes.out, "Delete project/alpha? [y/N]: project/alpha deleted\n");
    EXPECT_FALSE(exists("/projects/alpha"));
}

TEST_F(WriteTest, DeleteFindsEachKindByNameOrId) {
    const auto session = made("/sessions", {{"name", "s1"}, {"project_id", "alpha"}});
    const auto role = made("/roles", {{"name", "custom:gone"}});
    const auto credential = made("/credentials", {{"name", "gh"}, {"provider", "github"}});
    const auto settings = made("/project_settings", {{"project_id", "beta"}});
    const auto binding = made(
        "/role_bindings",
        {{"role_id", role_id("project:viewer")}, {"scope", "project"}, {"user_id", "bob"}, {"project_id", "beta"}});
    made("/users", {{"username", "carol"}, {"name", "Carol"}});
    const std::string users_carol = fetch("/users?search=" + url_encode("username = 'carol'")).second["items"][0]["id"];
    struct Case {
        std::vector<std::string> args;
        EnvChanges env;
        std::string out;
        std::string gone;  // the path that must then be 404
    };
    const std::vector<Case> cases = {
        {{"delete", "agent", "bot", "-y"},
         {"AMBIENT_PROJECT=alpha"},
         "agent/bot deleted\n",
         "/agents/" + agent_["id"].get<std::string>()},
        {{"delete", "session", "s1", "--yes"},
         {},
         "session/s1 deleted\n",
         "/sessions/" + session["id"].get<std::string>()},
        {{"delete", "role", "custom:gone", "-y"},
         {},
         "role/custom:gone deleted\n",
         "/roles/" + role["id"].get<std::string>()},
        {{"delete", "creds", "gh", "-y"},
         {},
         "credential/gh deleted\n",
         "/credentials/" + credential["id"].get<std::string>()},
        {{"delete", "rb", binding["id"], "-y"},
         {},
         "role-binding/" + binding["id"].get<std::string>() + " deleted\n",
         "/role_bindings/" + binding["id"].get<std::string>()},
        {{"delete", "ps", settings["id"], "-y"},
         {},
         "project-settings/" + settings["id"].get<std::string>() + " deleted\n",
         "/project_settings/" + settings["id"].get<std::string>()},
        {{"delete", "user", "carol", "-y"}, {}, "user/carol deleted\n", "/users/" + users_carol},
    };
    for (const auto& c : cases) {
        const auto r = acpctl(c.args, c.env);
        EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(c.args) << r.err;
        EXPECT_EQ(r.out, c.out);
        EXPECT_FALSE(exists(c.gone)) << c.gone;
    }
    const std::vector<ErrorCase> failures = {
        {{"delete", "agent", "bot", "-y", "--project-id", "alpha"},
         {},
         2,
         "Error: agent \"bot\" not found in project \"alpha\"\n"},
        {{"delete", "project", "nope", "-y"}, {}, 2, "Error: delete project \"nope\": "},
        {{"delete", "gizmo", "x", "-y"}, {}, 1, "Error: unknown resource type \"gizmo\""},
        {{"delete", "project", "-y"}, {}, 1, "Error: delete project needs a name or id"},
        {{"delete", "projects", "--all", "-y"}, {}, 1, "Error: --all is only supported for sessions, not projects\n"},
        {{"delete", "sessions", "s1", "--all", "-y"}, {}, 1, "Error: --all deletes every session"},
        {{"delete", "project", "alpha", "-f", "x.yaml"}, {}, 1, "Error: -f takes no kind, name or --all\n"},
        {{"delete", "project", "alpha", "--dry-run", "-y"}, {}, 1, "Error: --dry-run applies to -f only\n"},
    };
    expect_failures(failures, [&](const ErrorCase& c) { return acpctl(c.args, c.env); });
}

TEST_F(WriteTest, DeleteAllSessionsStopsTheLiveOnesFirst) {
    std::vector<std::string> alpha;
    for (const char* name : {"a1", "a2", "a3"})
        alpha.push_back(made("/sessions", {{"name", name}, {"project_id", "alpha"}})["id"]);
    made("/sessions", {{"name", "b1"}, {"project_id", "beta"}});
    for (const auto& id : {alpha[0], alpha[1]})  // live: Pending
        ASSERT_EQ(admin().post("/api/ambient/v1/sessions/" + id + "/start", "{}").status, 200);

    const auto refused = acpctl({"delete", "sessions", "--all", "--project-id", "alpha"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(fetch("/sessions?project_id=alpha").second["total"], 3);

    // Watched while it runs: each live session reaches Stopping before any is deleted.
    auto watch = acpctl_background({"get", "sessions", "-w", "-o", "json", "--project-id", "alpha"});
    ASSERT_TRUE(watch->wait_for("a3")) << watch->out() << watch->err();
    const auto r = acpctl({"delete", "sessions", "-A", "-y", "--project-id", "alpha"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "3 sessions deleted (2 stopped first)\n");
    EXPECT_EQ(fetch("/sessions?project_id=alpha").second["total"], 0);
    EXPECT_EQ(fetch("/sessions?project_id=beta").second["total"], 1);

    ASSERT_TRUE(watch->wait_for("{\"type\":\"DELETED\",\"resource_id\":\"" + alpha[2])) << watch->out();
    std::vector<std::string> order;  // "<type> <name> <phase>"
    std::istringstream lines(watch->out());
    for (std::string line; std::getline(lines, line);) {
        const auto e = json::parse(line);
        if (e["type"] != "LISTED") order.push_back(e["type"].get<std::string>() + " " + e["object"].value("phase", ""));
    }
    const std::vector<std::string> expected = {"UPDATED Stopping", "UPDATED Stopping", "DELETED Stopping",
                                               "DELETED Stopping", "DELETED "};
    EXPECT_EQ(order, expected) << watch->out();
}

// ---- patch ----

TEST_F(WriteTest, PatchSendsTheObjectAndPrintsKindSlashId) {
    const auto r = acpctl({"patch", "project", "alpha", "-p", R"({"description":"new"})"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "project/alpha patched\n");
    EXPECT_EQ(fetch("/projects/alpha").second["description"], "new");

    const auto agent =
        acpctl({"patch", "agent", "bot", "--project-id", "alpha", "-p", R"({"prompt":"p2"})", "-o", "json"});
    ASSERT_EQ(agent.exit_code, 0) << agent.err;
    EXPECT_EQ(json::parse(agent.out)["prompt"], "p2");

    const auto from_file = acpctl({"patch", "project", "beta", "--patch-file",
                                   file_with("patch.json", R"({"status":"archived"})"), "-o", "yaml"});
    ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
    EXPECT_NE(from_file.out.find("status: archived\n"), std::string::npos) << from_file.out;
    EXPECT_EQ(fetch("/projects/beta").second["status"], "archived");

    const std::vector<ErrorCase> failures = {
        {{"patch", "project", "alpha", "-p", "[1,2]"}, {}, 1, "Error: -p/--patch must be a JSON object"},
        {{"patch", "project", "alpha", "-p", "{oops"}, {}, 1, "Error: -p/--patch must be a JSON object"},
        {{"patch", "project", "alpha"}, {}, 1, "Error: give the patch with one of -p or --patch-file\n"},
        {{"patch", "project", "nope", "-p", "{}"}, {}, 2, "Error: patch project \"nope\": "},
        {{"patch", "session", "nope", "-p", "{}"}, {}, 2, "Error: session \"nope\" not found\n"},
        {{"patch", "project", "alpha", "-p", R"({"description":7})"}, {}, 1, "Error: patch project \"alpha\": "},
    };
    expect_failures(failures, [&](const ErrorCase& c) { return acpctl(c.args, c.env); });
}

// ---- start, stop ----

TEST_F(WriteTest, StartAnAgentThenStopItsSession) {
    const auto r = acpctl({"start", "bot", "--project-id", "alpha", "--prompt", "fix the bug"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(normalised(r.out), "session/<ID> started (phase: Pending)\n");
    const auto session = id_in(r.out);
    const auto [status, stored] = fetch("/sessions/" + session);
    ASSERT_EQ(status, 200);
    EXPECT_EQ(stored["agent_id"], agent_["id"]);
    const auto messages = admin().get("/api/ambient/v1/sessions/" + session + "/messages").json();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_NE(messages[0]["payload"].get<std::string>().find("fix the bug"), std::string::npos);

    // Started again while active: the same session, as the object with -o json.
    const auto again = acpctl({"start", "bot", "-o", "json"}, {"AMBIENT_PROJECT=alpha"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(json::parse(again.out)["id"], session);

    const auto stop = acpctl({"stop", session});
    ASSERT_EQ(stop.exit_code, 0) << stop.err;
    EXPECT_EQ(stop.out, "session/" + session + " stopped (phase: Stopping)\n");
    EXPECT_EQ(fetch("/sessions/" + session).second["phase"], "Stopping");

    const auto twice = acpctl({"stop", session});
    EXPECT_EQ(twice.exit_code, 4);
    EXPECT_EQ(twice.err.rfind("Error: stop session \"" + session + "\": ", 0), 0u) << twice.err;
}

TEST_F(WriteTest, StartTakesASessionIdThatNamesNoAgent) {
    const std::string session = made("/sessions", {{"name", "plain"}, {"project_id", "alpha"}})["id"];
    const auto r = acpctl({"start", session, "-o", "json"}, {"AMBIENT_PROJECT=alpha"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out)["phase"], "Pending");
    const auto stop = acpctl({"stop", "plain", "-o", "json"});  // by name
    ASSERT_EQ(stop.exit_code, 0) << stop.err;
    EXPECT_EQ(json::parse(stop.out)["phase"], "Stopping");
    const auto restart = acpctl({"start", session});  // no project at all
    ASSERT_EQ(restart.exit_code, 4) << restart.out;   // Stopping cannot start again yet

    const std::string missing = "0ujsswThIGTUYm2K8FjOOfXtY1K";
    const std::vector<ErrorCase> failures = {
        {{"start", "nobody", "--project-id", "alpha"},
         {},
         2,
         "Error: agent \"nobody\" not found in project \"alpha\"\n"},
        {{"start", "nobody"}, {}, 1, "Error: no project set; use --project-id"},
        {{"start", missing}, {}, 2, "Error: start session \"" + missing + "\": "},
        {{"stop", missing}, {}, 2, "Error: stop session \"" + missing + "\": "},
        {{"stop"}, {}, 1, "Error: "},
    };
    expect_failures(failures, [&](const ErrorCase& c) { return acpctl(c.args, c.env); });
}

}  // namespace
}  // namespace ambient::testing::cli
