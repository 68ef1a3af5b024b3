// acpctl credential … and grant: tokens never on the command line nor echoed, the audited
// token read, and grants that reach the sessions of a project or an agent.
#include <fstream>

#include "cli/cli_fixture.hpp"

namespace ambient::testing::cli {
namespace {

constexpr const char* kSecret = "ghp_secret-value-0123456789";

class CredentialCli : public CliTest {
protected:
    std::string token_file(const std::string& content) {
        const auto path = (home() / "token.txt").string();
        std::ofstream(path) << content;
        return path;
    }

    // A credential "gh" holding kSecret, made through the CLI from a file; its id.
    std::string create_gh() {
        const auto r = acpctl({"credential", "create", "--name", "gh", "--provider", "github", "--token-file",
                               token_file(std::string(kSecret) + "\n"), "-o", "json"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return json::parse(r.out)["id"];
    }

    // The credentials GET /sessions/{id}/credentials lists for a new session of `agent`.
    json session_credentials_of_a_start(const std::string& agent) {
        const auto started = acpctl({"agent", "start", agent, "--project-id", "alpha", "-o", "json"});
        EXPECT_EQ(started.exit_code, 0) << started.err;
        const auto session = json::parse(started.out)["id"].get<std::string>();
        return admin().get("/api/ambient/v1/sessions/" + session + "/credentials").json()["items"];
    }

    void make_project_and_agents() {
        made("/projects", {{"name", "alpha"}});
        made("/projects/alpha/agents", {{"name", "reviewer"}});
        made("/projects/alpha/agents", {{"name", "writer"}});
    }
};

TEST_F(CredentialCli, CreateReadsTheTokenFromAFileAndNeverEchoesIt) {
    const auto r = acpctl({"credential", "create", "--name", "gh", "--provider", "github", "--token-file",
                           token_file(std::string(kSecret) + "\n")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "credential/gh created\n");
    EXPECT_EQ(r.err, "");

    const auto token = acpctl({"credential", "token", "gh"});
    EXPECT_EQ(token.exit_code, 0) << token.err;
    EXPECT_EQ(token.out, std::string(kSecret) + "\n");  // the newline of the file is not part of it

    for (const auto& args : std::vector<std::vector<std::string>>{{"credential", "get", "gh"},
                                                                  {"credential", "get", "gh", "-o", "json"},
                                                                  {"credential", "list", "-o", "wide"},
                                                                  {"credential", "list", "-o", "yaml"}}) {
        const auto shown = acpctl(args);
        EXPECT_EQ(shown.exit_code, 0) << shown.err;
        EXPECT_NE(shown.out.find("gh"), std::string::npos) << shown.out;
        EXPECT_EQ(shown.out.find(kSecret), std::string::npos) << shown.out;
    }
}

TEST_F(CredentialCli, CreateReadsTheTokenFromStdin) {
    const auto r =
        acpctl({"credential", "create", "--name", "gl", "--provider", "gitlab", "--token-file", "-", "-o", "json"}, {},
               "glpat-from-stdin\r\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto created = json::parse(r.out);
    EXPECT_EQ(created["provider"], "gitlab");
    EXPECT_FALSE(created.contains("token"));
    EXPECT_EQ(acpctl({"credential", "token", created["id"]}).out, "glpat-from-stdin\n");
}

TEST_F(CredentialCli, TokenOnTheCommandLineWorksButWarns) {
    const auto r = acpctl({"credential", "create", "--name", "gh", "--provider", "github", "--token", kSecret});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Warning: --token puts the secret on the command line"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(kSecret), std::string::npos) << r.err;
    EXPECT_EQ(acpctl({"credential", "token", "gh"}).out, std::string(kSecret) + "\n");

    const auto both = acpctl({"credential", "create", "--name", "x", "--provider", "github", "--token", "a",
                              "--token-file", token_file("b")});
    EXPECT_EQ(both.exit_code, 1);
}

TEST_F(CredentialCli, TokenJsonIsTheServersObject) {
    const auto id = create_gh();
    const auto r = acpctl({"credential", "token", "gh", "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out), (json{{"credential_id", id}, {"provider", "github"}, {"token", kSecret}}));
}

TEST_F(CredentialCli, RotateChangesWhatTokenPrints) {
    const auto id = create_gh();
    const auto r = acpctl({"credential", "rotate", "gh"}, {}, "ghp_rotated-0000\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "credential/gh rotated\n");
    EXPECT_EQ(acpctl({"credential", "token", id}).out, "ghp_rotated-0000\n");

    const auto empty = acpctl({"credential", "rotate", "gh"}, {}, "\n");
    EXPECT_EQ(empty.exit_code, 1);
    EXPECT_EQ(acpctl({"credential", "token", id}).out, "ghp_rotated-0000\n");
}

TEST_F(CredentialCli, ListFiltersByProviderAndUpdateChangesOnlyTheFlagsGiven) {
    const auto id = create_gh();
    ASSERT_EQ(
        acpctl({"credential", "create", "--name", "jira", "--provider", "jira", "--description", "tickets"}).exit_code,
        0);
    const auto github = json::parse(acpctl({"credential", "list", "--provider", "github", "-o", "json"}).out);
    ASSERT_EQ(github["items"].size(), 1u);
    EXPECT_EQ(github["items"][0]["name"], "gh");

    const auto table = acpctl({"credential", "list"});
    EXPECT_EQ(table.out.rfind("ID", 0), 0u) << table.out;
    for (const char* text : {"NAME", "PROVIDER", "DESCRIPTION", "AGE", "jira", "tickets"})
        EXPECT_NE(table.out.find(text), std::string::npos) << table.out;

    const auto r = acpctl({"credential", "update", "gh", "--url", "https://github.com"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "credential/gh updated\n");
    const auto stored = admin().get("/api/ambient/v1/credentials/" + id).json();
    EXPECT_EQ(stored["url"], "https://github.com");
    EXPECT_EQ(stored["provider"], "github");
    EXPECT_EQ(acpctl({"credential", "token", "gh"}).out, std::string(kSecret) + "\n");
}

TEST_F(CredentialCli, DeleteNeedsConfirm) {
    const auto id = create_gh();
    const auto refused = acpctl({"credential", "delete", "gh"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.err, "Error: add --confirm to delete credential/gh\n");
    EXPECT_EQ(admin().get("/api/ambient/v1/credentials/" + id).status, 200);

    const auto r = acpctl({"credential", "delete", "gh", "--confirm"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "credential/gh deleted\n");
    EXPECT_EQ(admin().get("/api/ambient/v1/credentials/" + id).status, 404);
}

TEST_F(CredentialCli, ProjectCredentialIsCreatedUnderItsProject) {
    made("/projects", {{"name", "alpha"}});
    const auto r = acpctl(
        {"credential", "create", "--name", "kube", "--provider", "kubeconfig", "--project-id", "alpha", "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out)["project_id"], "alpha");
    const auto listed = json::parse(acpctl({"credential", "list", "--project-id", "alpha", "-o", "json"}).out);
    ASSERT_EQ(listed["items"].size(), 1u);
    EXPECT_EQ(listed["items"][0]["name"], "kube");
}

TEST_F(CredentialCli, GrantToAnAgentReachesOnlyThatAgentsSessions) {
    make_project_and_agents();
    const auto id = create_gh();
    const auto r = acpctl({"grant", "gh", "--project", "alpha", "--agent", "reviewer"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "credential/gh granted to agent/reviewer (role credential:token-reader)\n");

    const auto again = acpctl({"grant", "gh", "--project", "alpha", "--agent", "reviewer"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out, "credential/gh already granted to agent/reviewer\n");

    const auto granted = session_credentials_of_a_start("reviewer");
    ASSERT_EQ(granted.size(), 1u) << granted.dump();
    EXPECT_EQ(granted[0]["credential_id"], id);
    EXPECT_EQ(granted[0]["grant"], "agent");
    EXPECT_EQ(session_credentials_of_a_start("writer").size(), 0u);
}

TEST_F(CredentialCli, BindToAProjectReachesItsAgentsSessions) {
    make_project_and_agents();
    const auto id = create_gh();
    const auto r = acpctl({"credential", "bind", "gh", "--project", "alpha"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "credential/gh bound to project/alpha\n");
    EXPECT_EQ(acpctl({"credential", "bind", "gh", "--project", "alpha"}).out,
              "credential/gh already bound to project/alpha\n");

    const auto granted = session_credentials_of_a_start("writer");
    ASSERT_EQ(granted.size(), 1u) << granted.dump();
    EXPECT_EQ(granted[0]["credential_id"], id);
    EXPECT_EQ(granted[0]["grant"], "project");
}

// Not only admins: the owner of a credential who owns the project may grant it (access.md),
// so the binding grant makes is one the server takes from a user.
TEST_F(CredentialCli, AUserGrantsTheirCredentialToTheirProject) {
    const auto token = user_token("alice");
    auto alice = server().client();
    alice.set_bearer(token);
    ASSERT_EQ(alice.post("/api/ambient/v1/projects", R"({"name":"alpha"})").status, 201);
    ASSERT_EQ(alice.post("/api/ambient/v1/projects/alpha/agents", R"({"name":"reviewer"})").status, 201);
    const EnvChanges as_alice = {"AMBIENT_TOKEN=" + token};
    const auto created = acpctl({"credential", "create", "--name", "gh", "--provider", "github", "--token-file", "-"},
                                as_alice, kSecret);
    ASSERT_EQ(created.exit_code, 0) << created.err;

    const auto r = acpctl({"grant", "gh", "--agent", "reviewer"}, {"AMBIENT_TOKEN=" + token, "AMBIENT_PROJECT=alpha"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "credential/gh granted to agent/reviewer (role credential:token-reader)\n");
    EXPECT_EQ(session_credentials_of_a_start("reviewer").size(), 1u);
}

// Upstream's `acpctl credential bind` sends credential:viewer: a grant the server takes from
// the credential's owner too, and the agent's sessions then get the credential.
TEST_F(CredentialCli, AUserBindsTheirCredentialAsUpstreamsViewerRole) {
    const auto token = user_token("alice");
    auto alice = server().client();
    alice.set_bearer(token);
    ASSERT_EQ(alice.post("/api/ambient/v1/projects", R"({"name":"alpha"})").status, 201);
    ASSERT_EQ(alice.post("/api/ambient/v1/projects/alpha/agents", R"({"name":"reviewer"})").status, 201);
    const EnvChanges as_alice = {"AMBIENT_TOKEN=" + token, "AMBIENT_PROJECT=alpha"};
    const auto created = acpctl({"credential", "create", "--name", "gh", "--provider", "github", "--token-file", "-"},
                                as_alice, kSecret);
    ASSERT_EQ(created.exit_code, 0) << created.err;

    const auto r = acpctl({"credential", "bind", "gh", "--agent", "reviewer", "--role", "credential:viewer"}, as_alice);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "credential/gh bound to agent/reviewer\n");
    EXPECT_EQ(session_credentials_of_a_start("reviewer").size(), 1u);
}

TEST_F(CredentialCli, GrantOfAnUnknownCredentialExitsNotFound) {
    make_project_and_agents();
    const auto r = acpctl({"grant", "nope", "--project", "alpha"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "Error: credential \"nope\" not found\n");
}

}  // namespace
}  // namespace ambient::testing::cli
