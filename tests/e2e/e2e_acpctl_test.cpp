// Issue 12: upstream's demo flow, command for command, through acpctl alone — against the
// real API server, the real control plane and the real sandboxed runners it starts. The
// credential is created from an environment variable by `apply -f`, granted to the agent,
// fetched by the runner of the agent's session and used by the agent (a command that calls
// a fake GitHub with it); the script follows the messages until RUN_FINISHED and cleans up.
// Nothing the script sees holds the secret.
#include <random>

#include "cli/cli_fixture.hpp"
#include "e2e/e2e_fixture.hpp"
#include "support/fake_github.hpp"

namespace ambient::testing::e2e {
namespace {

using cli::CliResult;
using cli::run_acpctl;

class AcpctlDemo : public E2eTest {
protected:
    // acpctl as a user's script runs it: its own config file, the API server's URL, a token.
    CliResult acpctl(const std::vector<std::string>& args, const std::string& stdin_text = {},
                     const std::vector<std::string>& extra_env = {}) {
        std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=" + home_.path().string(),
                                        "AMBIENT_CONFIG=" + (home_.path() / "config.json").string(),
                                        "AMBIENT_API_URL=" + api_url(), std::string("AMBIENT_TOKEN=") + kTestToken};
        env.insert(env.end(), extra_env.begin(), extra_env.end());
        auto r = run_acpctl(args, env, stdin_text);
        transcript_ += "$ acpctl";
        for (const auto& a : args)
            transcript_ += " " + a;
        transcript_ += "\n" + r.out + r.err + "[exit " + std::to_string(r.exit_code) + "]\n";
        return r;
    }
    // The command must succeed; its stdout.
    std::string ok(const std::vector<std::string>& args, const std::string& stdin_text = {},
                   const std::vector<std::string>& extra_env = {}) {
        const auto r = acpctl(args, stdin_text, extra_env);
        EXPECT_EQ(r.exit_code, 0) << "acpctl " << ::testing::PrintToString(args) << "\n" << r.out << r.err;
        return r.out;
    }
    nlohmann::json ok_json(const std::vector<std::string>& args) {
        const auto out = ok(args);
        auto j = nlohmann::json::parse(out, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << "not JSON: " << out;
        return j;
    }

    TempDir home_;
    std::string transcript_;
};

TEST_F(AcpctlDemo, UpstreamDemoFlowGrantsACredentialAndFollowsTheRunToItsEnd) {
    FakeGitHub github;
    start();
    const auto secret = random_github_token();

    // whoami: the script reads the user from the `User:` line.
    const auto who = ok({"whoami"});
    EXPECT_EQ(who.rfind("User:", 0), 0u) << who;

    EXPECT_NE(ok({"create", "project", "--name", "demo", "--description", "acpctl demo"}).find("project/demo created"),
              std::string::npos);
    EXPECT_NE(ok({"project", "demo"}).find("demo"), std::string::npos);

    const auto agent = ok_json({"agent", "create", "--project-id", "demo", "--name", "coder", "--prompt",
                                "You call GitHub with the token you were given.", "-o", "json"});
    ASSERT_TRUE(agent.contains("id")) << agent.dump();
    // The agent runs a command that calls (fake) GitHub with the credential the runner fetched.
    const auto script =
        "curl -s -o /dev/null -w 'github said %{http_code}\\n' -H \"Authorization: token "
        "$GITHUB_TOKEN\" " +
        github.base_url() + "/user";
    ok({"patch", "agent", "coder", "--project-id", "demo", "-p",
        nlohmann::json{{"environment_variables", command_agent_env(script)}}.dump()});

    // The credential comes from the environment through apply -f, never from the command line.
    const std::string manifest =
        "kind: Credential\n"
        "name: demo-github\n"
        "provider: github\n"
        "token: $DEMO_GITHUB_TOKEN\n";
    const auto applied = ok({"apply", "-f", "-"}, manifest, {"DEMO_GITHUB_TOKEN=" + secret});
    EXPECT_NE(applied.find("created"), std::string::npos) << applied;

    const auto credentials = ok_json({"get", "credentials", "-o", "json"});
    ASSERT_TRUE(credentials.contains("items")) << credentials.dump();
    std::string credential_id;
    for (const auto& c : credentials["items"])
        if (c.value("name", "") == "demo-github") credential_id = c.value("id", "");
    ASSERT_FALSE(credential_id.empty()) << credentials.dump();

    const auto roles = ok_json({"get", "roles", "-o", "json"});
    ASSERT_TRUE(roles.contains("items")) << roles.dump();
    std::string token_reader;
    for (const auto& r : roles["items"])
        if (r.value("name", "") == "credential:token-reader") token_reader = r.value("id", "");
    ASSERT_FALSE(token_reader.empty()) << roles.dump();

    // Upstream's grant: a role binding the script builds from the ids it looked up, giving the
    // credential to the agent's sessions (upstream HEAD's form: the -fk flags name the target).
    const auto bound = ok({"create", "role-binding", "--role-id", token_reader, "--scope", "credential", "--scope-id",
                           credential_id, "--project-id-fk", "demo", "--agent-id-fk", agent.value("id", "")});
    EXPECT_NE(bound.find("role-binding/"), std::string::npos) << bound;

    const auto started =
        ok_json({"agent", "start", "coder", "--project-id", "demo", "--prompt", "call github", "-o", "json"});
    const auto session_id = started.value("id", "");
    ASSERT_FALSE(session_id.empty()) << started.dump();

    // The script waits for Running as upstream's does: get session -o json in a loop.
    const bool running = eventually(
        [&] {
            const auto r = acpctl({"get", "session", session_id, "-o", "json"});
            const auto j = nlohmann::json::parse(r.out, nullptr, false);
            return !j.is_discarded() && j.value("phase", "") == "Running";
        },
        60s);
    ASSERT_TRUE(running) << transcript_ << runner_log(session_id);

    // Following from seq 0 shows the whole run and ends with it, even when it already ended.
    const auto followed = acpctl({"session", "messages", session_id, "-f", "--after", "0"});
    EXPECT_EQ(followed.exit_code, 0) << followed.out << followed.err;
    EXPECT_NE(followed.out.find("RUN_FINISHED"), std::string::npos) << followed.out;
    EXPECT_NE(followed.out.find("github said 200"), std::string::npos) << followed.out << runner_log(session_id);

    const auto stored = ok_json({"session", "messages", session_id, "-o", "json"});
    ASSERT_TRUE(stored.is_array()) << stored.dump();
    ASSERT_FALSE(stored.empty());
    EXPECT_TRUE(stored[0].contains("seq")) << stored.dump();

    const auto described = ok({"describe", "session", session_id});
    EXPECT_EQ(described.rfind("{", 0), 0u) << described;

    EXPECT_NE(ok({"stop", session_id}).find("stopped"), std::string::npos);
    wait_for_phase(session_id, "Stopped");
    EXPECT_NE(ok({"delete", "session", session_id, "-y"}).find("deleted"), std::string::npos);
    EXPECT_NE(ok({"credential", "delete", credential_id, "--confirm"}).find("deleted"), std::string::npos);
    EXPECT_NE(ok({"delete", "project", "demo", "-y"}).find("deleted"), std::string::npos);

    // The fake GitHub got the secret; the script never saw it.
    ASSERT_TRUE(github.wait_for_requests(1, 10s));
    EXPECT_NE(github.requests()[0].authorization.find(secret), std::string::npos);
    EXPECT_EQ(transcript_.find(secret), std::string::npos) << "the secret is in acpctl's output";
    EXPECT_EQ(acpctl({"get", "project", "demo"}).exit_code, 2);
}

}  // namespace
}  // namespace ambient::testing::e2e
