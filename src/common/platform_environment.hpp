#pragma once
// The names the platform itself sets in a runner's environment. The API server refuses them in
// a session's or an agent's `environment_variables`, and the control plane drops them from what
// it passes on (for rows stored before that refusal): one list for both, so they cannot drift.
#include <string_view>

namespace ambient {

// SESSION_ID, PROJECT_NAME, BACKEND_API_URL, CREDENTIAL_IDS, WORKSPACE_PATH, BOT_TOKEN* and AGUI_*.
bool is_platform_environment_variable(std::string_view name);

}  // namespace ambient
