#pragma once
// The `claude` agent: the real Claude Code CLI, one long-lived process per session, fed one
// stream-json user line per turn on stdin; its stream-json output is mapped to AG-UI events
// (claude_stream_mapper.hpp). A turn ends at the CLI's `result` line.
//
// The process is (re)started with `--resume <CLI session id>` when there is a conversation to
// continue: after the runner restarted (the id is kept in WORKSPACE_PATH/.claude/session_id),
// after the credentials changed (TurnInput::credentials_fingerprint: the process's environment
// is fixed at spawn, so a revoked secret must not outlive it), after the working directory
// changed, and after an interrupt, an idle timeout, a malformed line or a crash (each of which
// kills it).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runner/agents/agent.hpp"
#include "runner/agents/child_process.hpp"

namespace ambient::runner {

struct RunnerConfig;

// What the agent needs of the runner's configuration.
struct ClaudeSettings {
    std::filesystem::path cli;                                         // CLAUDE_CLI or the project-local install
    std::string model;                                                 // LLM_MODEL; empty: the CLI's default
    std::filesystem::path workspace;                                   // WORKSPACE_PATH
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(10)};  // TURN_IDLE_TIMEOUT
    // LLM_MAX_TOKENS, as CLAUDE_CODE_MAX_OUTPUT_TOKENS (the CLI has no flag for it). The CLI
    // has no setting for LLM_TEMPERATURE: it is not passed.
    std::optional<std::int64_t> max_output_tokens;
};

ClaudeSettings claude_settings(const RunnerConfig& config);

// The CLI's argv and environment for one process (pure, for tests): credentials only in the
// environment, never in argv. `resume_id` empty: a new conversation.
SpawnOptions claude_spawn_options(const ClaudeSettings& settings, const TurnInput& input, const std::string& resume_id);

// Where the CLI session id is kept between runner restarts.
std::filesystem::path claude_session_id_file(const std::filesystem::path& workspace);

std::unique_ptr<Agent> make_claude_agent(const RunnerConfig& config);
std::unique_ptr<Agent> make_claude_agent(ClaudeSettings settings);

}  // namespace ambient::runner
