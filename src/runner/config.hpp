#pragma once
// The runner's configuration, read from its environment with upstream's variable names.
// A missing or malformed value is a ConfigError naming the variable; main prints it on one
// line and exits 2.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ambient::runner {

class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string variable, const std::string& problem)
        : std::runtime_error(variable + ": " + problem), variable_(std::move(variable)) {}
    const std::string& variable() const { return variable_; }

private:
    std::string variable_;
};

enum class RunnerType { Claude, Command, Echo };

// A repository to clone before the first turn (the session's repo_url and repos, or
// RUNNER_REPOS for a runner started by hand).
struct RepoSpec {
    std::string url;
    std::string branch;  // empty: create ambient/<session id>
};

struct RunnerConfig {
    std::string session_id;
    std::string project_name;
    std::string backend_api_url;  // without a trailing '/'
    // Where the runner token is read from, on every call. Empty when BOT_TOKEN is used.
    std::filesystem::path bot_token_file;
    std::string bot_token;                                            // only when no file is configured
    std::vector<std::pair<std::string, std::string>> credential_ids;  // provider → credential id
    std::string initial_prompt;
    std::string llm_model;
    std::optional<double> llm_temperature;
    std::optional<std::int64_t> llm_max_tokens;
    std::filesystem::path workspace_path;
    std::string agui_host;
    std::uint16_t agui_port = 8001;
    RunnerType runner_type = RunnerType::Claude;
    std::vector<std::string> runner_command;  // argv, for RunnerType::Command
    std::chrono::seconds turn_idle_timeout{600};
    // MESSAGE_STREAM_IDLE_TIMEOUT: the session's message stream silent this long (no message,
    // no ping) is dropped and resumed; three of the API server's 30 s ping intervals.
    std::chrono::milliseconds message_stream_idle_timeout{90000};
    std::filesystem::path claude_cli;                     // CLAUDE_CLI, or the project-local install
    std::optional<std::vector<RepoSpec>> repos_override;  // RUNNER_REPOS
};

using Getenv = std::function<std::optional<std::string>(const char* name)>;

// The process environment.
std::optional<std::string> process_getenv(const char* name);

// Reads and checks every variable; throws ConfigError.
RunnerConfig load_config(const Getenv& getenv = process_getenv);

// Parses a JSON list of {url, branch} (upstream's `repos`), or a JSON list of URL strings.
// Throws std::invalid_argument with the reason.
std::vector<RepoSpec> parse_repos(const std::string& json_text);

const char* runner_type_name(RunnerType type);

}  // namespace ambient::runner
