// The Claude CLI's command line and environment: the flags the agent relies on, credentials
// only in the environment, the runner's secrets never inherited, state kept in the workspace.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "runner/agents/claude_agent.hpp"

namespace ambient::runner {
namespace {

bool has(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::vector<std::string> values_of(const std::vector<std::string>& env, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& e : env) {
        if (e.starts_with(name + "=")) out.push_back(e.substr(name.size() + 1));
    }
    return out;
}

ClaudeSettings settings() {
    ClaudeSettings s;
    s.cli = "/opt/claude";
    s.workspace = "/ws";
    return s;
}

TEST(ClaudeSpawnOptions, StreamJsonBothWaysWithPartialMessagesAndUnattendedPermissions) {
    const auto options = claude_spawn_options(settings(), TurnInput{}, "");
    const auto& argv = options.argv;
    EXPECT_EQ(argv.front(), "/opt/claude");
    for (const char* flag : {"--print", "--verbose", "--include-partial-messages"})
        EXPECT_TRUE(has(argv, flag)) << flag;
    auto after = [&](const std::string& flag) {
        const auto it = std::find(argv.begin(), argv.end(), flag);
        return it == argv.end() || it + 1 == argv.end() ? std::string() : *(it + 1);
    };
    EXPECT_EQ(after("--input-format"), "stream-json");
    EXPECT_EQ(after("--output-format"), "stream-json");
    EXPECT_EQ(after("--permission-mode"), "acceptEdits");
    EXPECT_EQ(after("--allowedTools"), "Read,Write,Bash,Glob,Grep,Edit,MultiEdit,WebSearch");
    EXPECT_FALSE(has(argv, "--dangerously-skip-permissions"));
    EXPECT_FALSE(has(argv, "--model"));
    EXPECT_FALSE(has(argv, "--resume"));
    EXPECT_EQ(options.cwd, "/ws");
}

TEST(ClaudeSpawnOptions, ModelAndResume) {
    auto s = settings();
    s.model = "claude-sonnet-4-5";
    const auto argv = claude_spawn_options(s, TurnInput{}, "c1957ee8-8784-4dfa-9fb0-ff3d36598f78").argv;
    const auto model = std::find(argv.begin(), argv.end(), "--model");
    ASSERT_NE(model, argv.end());
    EXPECT_EQ(*(model + 1), "claude-sonnet-4-5");
    const auto resume = std::find(argv.begin(), argv.end(), "--resume");
    ASSERT_NE(resume, argv.end());
    EXPECT_EQ(*(resume + 1), "c1957ee8-8784-4dfa-9fb0-ff3d36598f78");
}

TEST(ClaudeSpawnOptions, CredentialsOnlyInTheEnvironmentAndTheRunnersSecretsDropped) {
    ::setenv("BOT_TOKEN", "runner-secret", 1);
    ::setenv("GITHUB_TOKEN", "stale-from-the-runner", 1);
    ::setenv("AMBIENT_CREDENTIAL_JIRA", "stale-too", 1);
    ::setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9", 1);
    ::setenv("CLAUDE_CODE_MAX_RETRIES", "0", 1);
    TurnInput input;
    input.cwd = "/ws/repos/a";
    input.environment = {{"GITHUB_TOKEN", "ghp_granted"}, {"ANTHROPIC_API_KEY", "sk-ant-granted"}};
    const auto options = claude_spawn_options(settings(), input, "");
    ::unsetenv("BOT_TOKEN");
    ::unsetenv("GITHUB_TOKEN");
    ::unsetenv("AMBIENT_CREDENTIAL_JIRA");
    ::unsetenv("ANTHROPIC_BASE_URL");
    ::unsetenv("CLAUDE_CODE_MAX_RETRIES");

    for (const auto& arg : options.argv) {
        EXPECT_EQ(arg.find("ghp_granted"), std::string::npos) << arg;
        EXPECT_EQ(arg.find("sk-ant-granted"), std::string::npos) << arg;
    }
    EXPECT_EQ(values_of(options.env, "GITHUB_TOKEN"), std::vector<std::string>{"ghp_granted"});
    EXPECT_EQ(values_of(options.env, "ANTHROPIC_API_KEY"), std::vector<std::string>{"sk-ant-granted"});
    EXPECT_TRUE(values_of(options.env, "BOT_TOKEN").empty());
    EXPECT_TRUE(values_of(options.env, "AMBIENT_CREDENTIAL_JIRA").empty());
    EXPECT_EQ(values_of(options.env, "ANTHROPIC_BASE_URL"), std::vector<std::string>{"http://127.0.0.1:9"});
    EXPECT_EQ(values_of(options.env, "CLAUDE_CODE_MAX_RETRIES"), std::vector<std::string>{"0"});

    EXPECT_EQ(values_of(options.env, "HOME"), std::vector<std::string>{"/ws/.home"});
    EXPECT_EQ(values_of(options.env, "TMPDIR"), std::vector<std::string>{"/ws/.tmp"});
    EXPECT_EQ(values_of(options.env, "CLAUDE_CODE_TMPDIR"), std::vector<std::string>{"/ws/.tmp"});
    EXPECT_EQ(values_of(options.env, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"), std::vector<std::string>{"1"});
    EXPECT_EQ(values_of(options.env, "DISABLE_AUTOUPDATER"), std::vector<std::string>{"1"});
    EXPECT_EQ(options.cwd, "/ws/repos/a");
}

}  // namespace
}  // namespace ambient::runner
