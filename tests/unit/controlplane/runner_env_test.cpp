// runner_env: a runner's environment from the session and the runtime (both runtimes).
#include "controlplane/runner_env.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace ambient::controlplane {
namespace {

std::map<std::string, std::string> as_map(const std::vector<std::string>& env) {
    std::map<std::string, std::string> out;
    for (const auto& e : env) {
        const auto eq = e.find('=');
        EXPECT_TRUE(out.emplace(e.substr(0, eq), e.substr(eq + 1)).second) << "twice: " << e;
    }
    return out;
}

const RunnerEnvInputs kInputs{.backend_api_url = "http://api:8000",
                              .default_runner_type = "claude",
                              .credential_ids = R"({"github":"c1"})",
                              .token_file = "/d/s1/token/bot-token",
                              .workspace = "/d/s1/workspace",
                              .home = "/tmp/home"};

TEST(RunnerEnv, PlatformVariablesComeFromTheSessionAndTheRuntime) {
    const nlohmann::json session = {{"id", "s1"},
                                    {"project_id", "p1"},
                                    {"prompt", "hello"},
                                    {"llm_model", "m"},
                                    {"llm_temperature", 0.5},
                                    {"llm_max_tokens", 1000},
                                    {"environment_variables", nullptr}};
    const auto env = as_map(build_runner_env(session, kInputs));
    EXPECT_EQ(env.at("SESSION_ID"), "s1");
    EXPECT_EQ(env.at("PROJECT_NAME"), "p1");
    EXPECT_EQ(env.at("BACKEND_API_URL"), "http://api:8000");
    EXPECT_EQ(env.at("BOT_TOKEN_FILE"), "/d/s1/token/bot-token");
    EXPECT_EQ(env.at("WORKSPACE_PATH"), "/d/s1/workspace");
    EXPECT_EQ(env.at("AGUI_HOST"), "127.0.0.1");
    EXPECT_EQ(env.at("AGUI_PORT"), "0");
    EXPECT_EQ(env.at("CREDENTIAL_IDS"), R"({"github":"c1"})");
    EXPECT_EQ(env.at("RUNNER_TYPE"), "claude");
    EXPECT_EQ(env.at("INITIAL_PROMPT"), "hello");
    EXPECT_EQ(env.at("LLM_MODEL"), "m");
    EXPECT_EQ(env.at("LLM_TEMPERATURE"), "0.5");
    EXPECT_EQ(env.at("LLM_MAX_TOKENS"), "1000");
    EXPECT_EQ(env.at("HOME"), "/tmp/home");
    EXPECT_TRUE(env.count("PATH"));
    EXPECT_EQ(env.size(), 16u);  // nothing else: in particular nothing of our own environment
}

TEST(RunnerEnv, SessionVariablesAddButNeverReplaceReservedNames) {
    const nlohmann::json vars = {{"RUNNER_TYPE", "echo"},
                                 {"ANTHROPIC_BASE_URL", "http://fake"},
                                 {"SESSION_ID", "x"},
                                 {"PROJECT_NAME", "x"},
                                 {"BACKEND_API_URL", "x"},
                                 {"BOT_TOKEN", "x"},
                                 {"BOT_TOKEN_FILE", "x"},
                                 {"CREDENTIAL_IDS", "x"},
                                 {"AGUI_PORT", "x"},
                                 {"AGUI_HOST", "x"},
                                 {"WORKSPACE_PATH", "x"},
                                 {"LLM_MODEL", "override"},
                                 {"COUNT", 3},
                                 {"FLAG", true},
                                 {"bad name", "x"},
                                 {"A=B", "x"},
                                 {"1ST", "x"},
                                 {"NESTED", {{"a", 1}}}};
    const nlohmann::json session = {{"id", "s1"}, {"project_id", "p1"}, {"environment_variables", vars.dump()}};
    const auto env = as_map(build_runner_env(session, kInputs));
    EXPECT_EQ(env.at("RUNNER_TYPE"), "echo");
    EXPECT_EQ(env.at("ANTHROPIC_BASE_URL"), "http://fake");
    EXPECT_EQ(env.at("LLM_MODEL"), "override");
    EXPECT_EQ(env.at("COUNT"), "3");
    EXPECT_EQ(env.at("FLAG"), "true");
    EXPECT_EQ(env.at("SESSION_ID"), "s1");
    EXPECT_EQ(env.at("PROJECT_NAME"), "p1");
    EXPECT_EQ(env.at("BACKEND_API_URL"), "http://api:8000");
    EXPECT_EQ(env.at("BOT_TOKEN_FILE"), "/d/s1/token/bot-token");
    EXPECT_EQ(env.count("BOT_TOKEN"), 0u);
    EXPECT_EQ(env.at("CREDENTIAL_IDS"), R"({"github":"c1"})");
    EXPECT_EQ(env.at("AGUI_PORT"), "0");
    EXPECT_EQ(env.at("AGUI_HOST"), "127.0.0.1");
    EXPECT_EQ(env.at("WORKSPACE_PATH"), "/d/s1/workspace");
    for (const char* name : {"bad name", "A", "1ST", "NESTED"})
        EXPECT_EQ(env.count(name), 0u) << name;
}

TEST(RunnerEnv, MalformedEnvironmentVariablesAreIgnoredAsAWhole) {
    for (const nlohmann::json& vars : {nlohmann::json("not json"), nlohmann::json("[1,2]"), nlohmann::json(5)}) {
        const nlohmann::json session = {{"id", "s1"}, {"project_id", "p1"}, {"environment_variables", vars}};
        EXPECT_EQ(build_runner_env(session, kInputs).size(), 12u) << vars.dump();
    }
}

TEST(RunnerEnv, IdsThatCannotBePathsAreRefused) {
    for (const std::string& id :
         std::vector<std::string>{"", ".", "..", ".runtime", "a/b", "../x", "a b", std::string(257, 'a')}) {
        const nlohmann::json session = {{"id", id}, {"project_id", "p1"}};
        EXPECT_THROW(build_runner_env(session, kInputs), SessionSpecError) << id;
    }
    EXPECT_THROW(build_runner_env({{"id", "s1"}}, kInputs), SessionSpecError);
    EXPECT_THROW(build_runner_env({{"id", "s1"}, {"project_id", "p/1"}}, kInputs), SessionSpecError);
}

}  // namespace
}  // namespace ambient::controlplane
