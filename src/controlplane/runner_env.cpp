#include "controlplane/runner_env.hpp"

#include <map>

#include "common/platform_environment.hpp"

namespace ambient::controlplane {
namespace {

// The PATH a runner gets: the system's, nothing of ours.
constexpr const char* kPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string string_field(const nlohmann::json& session, const char* name) {
    auto it = session.find(name);
    if (it == session.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number() || it->is_boolean()) return it->dump();
    return {};
}

bool valid_env_name(std::string_view name) {
    if (name.empty() || name.size() > 256) return false;
    for (char c : name) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) return false;
    }
    return !(name.front() >= '0' && name.front() <= '9');
}

nlohmann::json session_variables(const nlohmann::json& session) {
    auto it = session.find("environment_variables");
    if (it == session.end() || it->is_null()) return nlohmann::json::object();
    // Upstream's field is JSON text in a string; an object is taken as well.
    auto parsed = it->is_string() ? nlohmann::json::parse(it->get<std::string>(), nullptr, false) : *it;
    return parsed.is_object() ? parsed : nlohmann::json::object();
}

}  // namespace

void check_session_identifier(const char* field, const std::string& value) {
    // A leading dot is refused too: the data dir keeps its own entries under such names.
    if (value.empty() || value.size() > 256 || value.front() == '.')
        throw SessionSpecError(std::string("session ") + field + " is missing or unusable");
    for (char c : value) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.';
        if (!ok)
            throw SessionSpecError(std::string("session ") + field + " holds a character other than [A-Za-z0-9._-]");
    }
}

std::vector<std::string> build_runner_env(const nlohmann::json& session, const RunnerEnvInputs& inputs) {
    const auto id = string_field(session, "id");
    const auto project = string_field(session, "project_id");
    check_session_identifier("id", id);
    check_session_identifier("project_id", project);

    std::map<std::string, std::string> env;
    env["PATH"] = kPath;
    env["HOME"] = inputs.home;
    env["LANG"] = "C.UTF-8";
    if (!inputs.claude_cli.empty()) env["CLAUDE_CLI"] = inputs.claude_cli;
    if (!inputs.default_runner_type.empty()) env["RUNNER_TYPE"] = inputs.default_runner_type;
    if (auto prompt = string_field(session, "prompt"); !prompt.empty()) env["INITIAL_PROMPT"] = prompt;
    if (auto model = string_field(session, "llm_model"); !model.empty()) env["LLM_MODEL"] = model;
    if (auto t = string_field(session, "llm_temperature"); !t.empty()) env["LLM_TEMPERATURE"] = t;
    if (auto m = string_field(session, "llm_max_tokens"); !m.empty()) env["LLM_MAX_TOKENS"] = m;

    // The session's own variables win over our defaults above, never over what follows.
    const auto variables = session_variables(session);
    for (const auto& [name, value] : variables.items()) {
        if (!valid_env_name(name) || is_platform_environment_variable(name)) continue;
        std::string text;
        if (value.is_string())
            text = value.get<std::string>();
        else if (value.is_number() || value.is_boolean())
            text = value.dump();
        else
            continue;
        if (text.find('\0') != std::string::npos) continue;
        env[name] = std::move(text);
    }

    env["SESSION_ID"] = id;
    env["PROJECT_NAME"] = project;
    env["BACKEND_API_URL"] = inputs.backend_api_url;
    env["BOT_TOKEN_FILE"] = inputs.token_file;
    env["WORKSPACE_PATH"] = inputs.workspace;
    env["AGUI_HOST"] = inputs.agui_host;
    env["AGUI_PORT"] = inputs.agui_port;
    if (!inputs.credential_ids.empty()) env["CREDENTIAL_IDS"] = inputs.credential_ids;

    std::vector<std::string> out;
    out.reserve(env.size());
    for (auto& [name, value] : env)
        out.push_back(name + "=" + value);
    return out;
}

}  // namespace ambient::controlplane
