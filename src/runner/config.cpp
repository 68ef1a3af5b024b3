#include "runner/config.hpp"

#include <charconv>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "common/duration.hpp"

namespace ambient::runner {
namespace {

std::string value_or(const Getenv& getenv, const char* name, std::string fallback) {
    auto v = getenv(name);
    return v && !v->empty() ? *v : std::move(fallback);
}

std::string required(const Getenv& getenv, const char* name) {
    auto v = getenv(name);
    if (!v || v->empty()) throw ConfigError(name, "required but not set");
    return *v;
}

// Ids and names end up in URLs and paths: keep them to the characters ids are made of.
void check_identifier(const char* name, const std::string& value) {
    if (value.size() > 256) throw ConfigError(name, "longer than 256 characters");
    for (char c : value) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.';
        if (!ok) throw ConfigError(name, "may hold only letters, digits, '-', '_' and '.'");
    }
}

template <typename T>
std::optional<T> parse_number(const Getenv& getenv, const char* name) {
    auto v = getenv(name);
    if (!v || v->empty()) return std::nullopt;
    T out{};
    const char* end = v->data() + v->size();
    auto [ptr, ec] = std::from_chars(v->data(), end, out);
    if (ec != std::errc() || ptr != end) throw ConfigError(name, "not a number: '" + v->substr(0, 32) + "'");
    return out;
}

std::optional<double> parse_double(const Getenv& getenv, const char* name) {
    auto v = getenv(name);
    if (!v || v->empty()) return std::nullopt;
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (end != v->c_str() + v->size()) throw ConfigError(name, "not a number: '" + v->substr(0, 32) + "'");
    return d;
}

std::string backend_url(const Getenv& getenv) {
    const char* name = getenv("BACKEND_API_URL") && !getenv("BACKEND_API_URL")->empty() ? "BACKEND_API_URL"
                       : getenv("AMBIENT_API_SERVER_URL") && !getenv("AMBIENT_API_SERVER_URL")->empty()
                           ? "AMBIENT_API_SERVER_URL"
                           : nullptr;
    std::string url = name ? *getenv(name) : "http://localhost:8000";
    if (!name) name = "BACKEND_API_URL";
    while (url.ends_with('/'))
        url.pop_back();
    const bool http = url.starts_with("http://") || url.starts_with("https://");
    if (!http) throw ConfigError(name, "must be an http:// or https:// URL");
    const auto host_start = url.find("//") + 2;
    if (url.size() <= host_start) throw ConfigError(name, "has no host");
    const auto authority = url.substr(host_start, url.find('/', host_start) - host_start);
    if (authority.find('@') != std::string::npos) throw ConfigError(name, "must not hold user information");
    if (url.find_first_of("?# \t\r\n") != std::string::npos)
        throw ConfigError(name, "must not hold a query or fragment");
    return url;
}

std::vector<std::pair<std::string, std::string>> credential_ids(const Getenv& getenv) {
    auto v = getenv("CREDENTIAL_IDS");
    if (!v || v->empty()) return {};
    const auto j = nlohmann::json::parse(*v, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw ConfigError("CREDENTIAL_IDS", "must be a JSON object {\"provider\":\"id\"}");
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [provider, id] : j.items()) {
        if (!id.is_string() || id.get<std::string>().empty())
            throw ConfigError("CREDENTIAL_IDS",
                              "the id of '" + provider.substr(0, 64) + "' must be a non-empty string");
        check_identifier("CREDENTIAL_IDS", provider);
        check_identifier("CREDENTIAL_IDS", id.get<std::string>());
        out.emplace_back(provider, id.get<std::string>());
    }
    return out;
}

RunnerType runner_type(const Getenv& getenv) {
    const auto v = value_or(getenv, "RUNNER_TYPE", "claude");
    if (v == "claude" || v == "claude-agent-sdk") return RunnerType::Claude;
    if (v == "command") return RunnerType::Command;
    if (v == "echo") return RunnerType::Echo;
    throw ConfigError("RUNNER_TYPE", "must be claude, command or echo, not '" + v.substr(0, 32) + "'");
}

std::vector<std::string> runner_command(const Getenv& getenv) {
    const auto v = required(getenv, "RUNNER_COMMAND");
    const auto j = nlohmann::json::parse(v, nullptr, false);
    if (j.is_discarded() || !j.is_array() || j.empty())
        throw ConfigError("RUNNER_COMMAND", "must be a non-empty JSON array of strings (an argv)");
    std::vector<std::string> argv;
    for (const auto& a : j) {
        if (!a.is_string()) throw ConfigError("RUNNER_COMMAND", "must be a non-empty JSON array of strings (an argv)");
        argv.push_back(a.get<std::string>());
    }
    if (argv.front().empty()) throw ConfigError("RUNNER_COMMAND", "the program name is empty");
    return argv;
}

}  // namespace

std::optional<std::string> process_getenv(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
}

std::vector<RepoSpec> parse_repos(const std::string& json_text) {
    const auto j = nlohmann::json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_array()) throw std::invalid_argument("must be a JSON array");
    std::vector<RepoSpec> out;
    for (const auto& item : j) {
        RepoSpec spec;
        if (item.is_string()) {
            spec.url = item.get<std::string>();
        } else if (item.is_object() && item.contains("url") && item["url"].is_string()) {
            spec.url = item["url"].get<std::string>();
            if (auto b = item.find("branch"); b != item.end() && b->is_string()) spec.branch = b->get<std::string>();
        } else {
            throw std::invalid_argument("each item must be a URL or {\"url\":…,\"branch\":…}");
        }
        if (spec.url.empty()) throw std::invalid_argument("a repository URL is empty");
        out.push_back(std::move(spec));
    }
    return out;
}

const char* runner_type_name(RunnerType type) {
    switch (type) {
        case RunnerType::Claude:
            return "claude";
        case RunnerType::Command:
            return "command";
        case RunnerType::Echo:
            return "echo";
    }
    return "?";
}

RunnerConfig load_config(const Getenv& getenv) {
    RunnerConfig c;
    c.session_id = required(getenv, "SESSION_ID");
    check_identifier("SESSION_ID", c.session_id);
    c.project_name = required(getenv, "PROJECT_NAME");
    check_identifier("PROJECT_NAME", c.project_name);
    c.backend_api_url = backend_url(getenv);

    // A configured file wins; BOT_TOKEN only when none is; else upstream's mount path.
    if (auto file = getenv("BOT_TOKEN_FILE"); file && !file->empty()) {
        c.bot_token_file = *file;
    } else if (auto token = getenv("BOT_TOKEN"); token && !token->empty()) {
        c.bot_token = *token;
    } else {
        c.bot_token_file = "/var/run/secrets/ambient/bot-token";
    }

    c.credential_ids = credential_ids(getenv);
    c.initial_prompt = value_or(getenv, "INITIAL_PROMPT", "");
    c.llm_model = value_or(getenv, "LLM_MODEL", "");
    c.llm_temperature = parse_double(getenv, "LLM_TEMPERATURE");
    if (c.llm_temperature && (*c.llm_temperature < 0 || *c.llm_temperature > 2))
        throw ConfigError("LLM_TEMPERATURE", "must be between 0 and 2");
    c.llm_max_tokens = parse_number<std::int64_t>(getenv, "LLM_MAX_TOKENS");
    if (c.llm_max_tokens && *c.llm_max_tokens <= 0) throw ConfigError("LLM_MAX_TOKENS", "must be positive");
    c.workspace_path = value_or(getenv, "WORKSPACE_PATH", "/workspace");
    if (!c.workspace_path.is_absolute()) throw ConfigError("WORKSPACE_PATH", "must be an absolute path");
    c.agui_host = value_or(getenv, "AGUI_HOST", "127.0.0.1");
    if (auto port = parse_number<std::int64_t>(getenv, "AGUI_PORT")) {
        if (*port < 0 || *port > 65535) throw ConfigError("AGUI_PORT", "must be 0..65535");
        c.agui_port = static_cast<std::uint16_t>(*port);
    }
    c.runner_type = runner_type(getenv);
    if (c.runner_type == RunnerType::Command) c.runner_command = runner_command(getenv);
    if (auto idle = getenv("TURN_IDLE_TIMEOUT"); idle && !idle->empty()) {
        auto parsed = parse_duration(*idle, std::chrono::hours(24 * 7));
        if (!parsed || parsed->count() == 0)
            throw ConfigError("TURN_IDLE_TIMEOUT", "must be a positive duration such as 600, 90s or 10m");
        c.turn_idle_timeout = *parsed;
    }
    if (auto idle = getenv("MESSAGE_STREAM_IDLE_TIMEOUT"); idle && !idle->empty()) {
        auto parsed = parse_duration(*idle, std::chrono::hours(24));
        if (!parsed || parsed->count() == 0)
            throw ConfigError("MESSAGE_STREAM_IDLE_TIMEOUT", "must be a positive duration such as 90, 90s or 2m");
        c.message_stream_idle_timeout = *parsed;
    }
#ifdef AMBIENT_DEFAULT_CLAUDE_CLI
    c.claude_cli = value_or(getenv, "CLAUDE_CLI", AMBIENT_DEFAULT_CLAUDE_CLI);
#else
    c.claude_cli = value_or(getenv, "CLAUDE_CLI", "claude");
#endif
    if (auto repos = getenv("RUNNER_REPOS"); repos && !repos->empty()) {
        try {
            c.repos_override = parse_repos(*repos);
        } catch (const std::invalid_argument& e) {
            throw ConfigError("RUNNER_REPOS", e.what());
        }
    }
    return c;
}

}  // namespace ambient::runner
