#pragma once
// The coding agent behind one interface: claude (the Claude Code CLI), command (any program,
// once per turn) and echo (deterministic, for tests and demos).
//
// A turn: the turn loop emits RUN_STARTED, calls run_turn(), which emits the content events
// (TEXT_MESSAGE_*, TOOL_CALL_*, REASONING_*, CUSTOM) through the sink, and returns how the
// turn ended; the loop then emits RUN_FINISHED or RUN_ERROR from that. Agents never throw
// for what their process does (a crash, a malformed line): that is a failed TurnOutcome.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/agui/event_sink.hpp"

namespace ambient::runner {

struct RunnerConfig;

// NAME=value pairs added to the agent's environment for one turn (credentials among them).
using Environment = std::vector<std::pair<std::string, std::string>>;

struct TurnInput {
    std::string thread_id;  // the session id
    std::string run_id;
    std::string prompt;         // the user message's text
    std::int64_t user_seq = 0;  // its seq in the session (0: not from the session)
    Environment environment;    // credentials and the like, for this turn only
    std::filesystem::path cwd;  // the first repository, or WORKSPACE_PATH/artifacts
    // A fingerprint of the credential values given this turn: an agent that keeps a process
    // between turns restarts it when this changes, so it never works with a revoked secret.
    std::string credentials_fingerprint;
};

struct TurnOutcome {
    bool ok = false;
    std::string error;                                 // for RUN_ERROR: what went wrong (redacted by the sink's owner)
    nlohmann::json result = nlohmann::json::object();  // for RUN_FINISHED: usage, total_cost_usd, …

    static TurnOutcome failure(std::string error) { return {false, std::move(error), nlohmann::json::object()}; }
};

class Agent {
public:
    virtual ~Agent() = default;

    // Runs one turn to its end, emitting events through `sink`. Called from one thread, one
    // turn at a time. Returns when the agent finished, failed, was interrupted (interrupt()),
    // or went quiet for longer than the idle timeout.
    virtual TurnOutcome run_turn(const TurnInput& input, agui::EventSink& sink) = 0;

    // Asks the running turn to end soon (POST /interrupt, SIGTERM). Thread-safe; a no-op
    // between turns.
    virtual void interrupt() = 0;

    // Ends any process the agent keeps between turns. Called once, at shutdown.
    virtual void shutdown() {}
};

// The agent RUNNER_TYPE names.
std::unique_ptr<Agent> make_agent(const RunnerConfig& config);

}  // namespace ambient::runner
