#pragma once
// A runner's environment, whatever the runtime, built from scratch: never the control plane's own (its service
// token, AMBIENT_API_TOKEN, must not reach a runner). The platform's variables come from the
// session and the runtime; the session's `environment_variables` add the rest (RUNNER_TYPE,
// RUNNER_COMMAND, LLM_*, ANTHROPIC_BASE_URL, …) but never a name the platform sets.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ambient::controlplane {

struct RunnerEnvInputs {
    std::string backend_api_url;
    std::string default_runner_type;  // "" = the runner's own default
    std::string credential_ids;       // CREDENTIAL_IDS (JSON text)
    std::string token_file;           // BOT_TOKEN_FILE, as the runner sees it
    std::string workspace;            // WORKSPACE_PATH, as the runner sees it
    std::string home;                 // HOME
    std::string claude_cli;           // CLAUDE_CLI unless the session sets it; "" = the runner's default
    // Where the runner serves AG-UI: loopback and any free port in the local sandbox; every
    // interface and a fixed port in a Pod (its Service and NetworkPolicy point there).
    std::string agui_host = "127.0.0.1";
    std::string agui_port = "0";
};

class SessionSpecError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// A session id or project id used as a path component and a variable: letters, digits,
// '-', '_' and '.', not starting with '.', at most 256. Throws SessionSpecError.
void check_session_identifier(const char* field, const std::string& value);

// "NAME=value" entries, sorted by name, no name twice. Throws SessionSpecError when the
// session has no usable id or project_id. Malformed environment_variables (not a JSON object)
// are ignored as a whole; an entry with an unusable name or a non-scalar value is skipped.
std::vector<std::string> build_runner_env(const nlohmann::json& session, const RunnerEnvInputs& inputs);

}  // namespace ambient::controlplane
