#include "common/platform_environment.hpp"

#include <gtest/gtest.h>

namespace ambient {
namespace {

TEST(PlatformEnvironment, TheNamesThePlatformSetsAndNoOthers) {
    for (const char* name : {"SESSION_ID", "PROJECT_NAME", "BACKEND_API_URL", "BOT_TOKEN", "BOT_TOKEN_FILE",
                             "BOT_TOKEN_X", "CREDENTIAL_IDS", "AGUI_PORT", "AGUI_ANYTHING", "WORKSPACE_PATH"})
        EXPECT_TRUE(is_platform_environment_variable(name)) << name;
    for (const char* name : {"RUNNER_TYPE", "LLM_MODEL", "ANTHROPIC_BASE_URL", "PATH", "SESSION", "session_id",
                             "XAGUI_PORT", "CLAUDE_CLI"})
        EXPECT_FALSE(is_platform_environment_variable(name)) << name;
}

}  // namespace
}  // namespace ambient
