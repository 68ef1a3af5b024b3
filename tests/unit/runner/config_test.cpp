// The runner's environment: upstream's names, defaults and fallbacks.
#include "runner/config.hpp"

#include <gtest/gtest.h>

#include <map>

namespace ambient::runner {
namespace {

Getenv env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

TEST(RunnerConfig, DefaultsAreUpstreams) {
    const auto c = load_config(env_of({{"SESSION_ID", "s1"}, {"PROJECT_NAME", "p"}}));
    EXPECT_EQ(c.backend_api_url, "http://localhost:8000");
    EXPECT_EQ(c.bot_token_file, "/var/run/secrets/ambient/bot-token");
    EXPECT_EQ(c.workspace_path, "/workspace");
    EXPECT_EQ(c.agui_host, "127.0.0.1");
    EXPECT_EQ(c.agui_port, 8001);
    EXPECT_EQ(c.runner_type, RunnerType::Claude);
    EXPECT_EQ(c.turn_idle_timeout, std::chrono::minutes(10));
    EXPECT_EQ(c.message_stream_idle_timeout, std::chrono::seconds(90));  // three of the server's 30 s pings
}

TEST(RunnerConfig, BackendUrlFallsBackToTheApiServerUrl) {
    auto c = load_config(
        env_of({{"SESSION_ID", "s"}, {"PROJECT_NAME", "p"}, {"AMBIENT_API_SERVER_URL", "http://api:8000/"}}));
    EXPECT_EQ(c.backend_api_url, "http://api:8000");
    c = load_config(env_of({{"SESSION_ID", "s"},
                            {"PROJECT_NAME", "p"},
                            {"AMBIENT_API_SERVER_URL", "http://api:8000"},
                            {"BACKEND_API_URL", "https://backend"}}));
    EXPECT_EQ(c.backend_api_url, "https://backend");
    EXPECT_THROW(load_config(env_of({{"SESSION_ID", "s"}, {"PROJECT_NAME", "p"}, {"BACKEND_API_URL", "http://u:p@h"}})),
                 ConfigError);
}

TEST(RunnerConfig, ATokenFileWinsAndBotTokenIsUsedOnlyWithoutOne) {
    auto c = load_config(env_of({{"SESSION_ID", "s"}, {"PROJECT_NAME", "p"}, {"BOT_TOKEN", "t"}}));
    EXPECT_TRUE(c.bot_token_file.empty());
    EXPECT_EQ(c.bot_token, "t");
    c = load_config(env_of({{"SESSION_ID", "s"}, {"PROJECT_NAME", "p"}, {"BOT_TOKEN", "t"}, {"BOT_TOKEN_FILE", "/f"}}));
    EXPECT_EQ(c.bot_token_file, "/f");
    EXPECT_TRUE(c.bot_token.empty());
}

TEST(RunnerConfig, CredentialIdsAndCommandAreParsed) {
    const auto c = load_config(env_of({{"SESSION_ID", "s"},
                                       {"PROJECT_NAME", "p"},
                                       {"CREDENTIAL_IDS", R"({"github":"c1","gitlab":"c2"})"},
                                       {"RUNNER_TYPE", "command"},
                                       {"RUNNER_COMMAND", R"(["/bin/echo","a b"])"},
                                       {"TURN_IDLE_TIMEOUT", "90s"},
                                       {"MESSAGE_STREAM_IDLE_TIMEOUT", "2m"},
                                       {"AGUI_PORT", "0"},
                                       {"LLM_TEMPERATURE", "0.5"},
                                       {"LLM_MAX_TOKENS", "4000"}}));
    ASSERT_EQ(c.credential_ids.size(), 2u);
    EXPECT_EQ(c.credential_ids[0], (std::pair<std::string, std::string>{"github", "c1"}));
    EXPECT_EQ(c.runner_command, (std::vector<std::string>{"/bin/echo", "a b"}));
    EXPECT_EQ(c.turn_idle_timeout, std::chrono::seconds(90));
    EXPECT_EQ(c.message_stream_idle_timeout, std::chrono::minutes(2));
    EXPECT_EQ(c.agui_port, 0);
    EXPECT_DOUBLE_EQ(*c.llm_temperature, 0.5);
    EXPECT_EQ(*c.llm_max_tokens, 4000);
}

TEST(RunnerConfig, AMessageStreamIdleTimeoutMustBeAPositiveDuration) {
    for (const char* bad : {"0", "soon", "-5s"}) {
        EXPECT_THROW(
            load_config(env_of({{"SESSION_ID", "s"}, {"PROJECT_NAME", "p"}, {"MESSAGE_STREAM_IDLE_TIMEOUT", bad}})),
            ConfigError)
            << bad;
    }
}

TEST(RunnerConfig, ClaudeAgentSdkIsTheClaudeAgent) {
    const auto c =
        load_config(env_of({{"SESSION_ID", "s"}, {"PROJECT_NAME", "p"}, {"RUNNER_TYPE", "claude-agent-sdk"}}));
    EXPECT_EQ(c.runner_type, RunnerType::Claude);
}

}  // namespace
}  // namespace ambient::runner
