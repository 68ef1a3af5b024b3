#pragma once
// Maps the Claude Code CLI's stream-json output (`--output-format stream-json --verbose
// --include-partial-messages`), one line at a time, to AG-UI events. Pure: no I/O, no clock;
// the agent feeds it lines and emits what it returns.
//
// What the CLI writes for one turn (2.1.197), and what becomes of it:
//   system/init                      → the CLI session id (for --resume); no event (the turn
//                                      loop emits RUN_STARTED)
//   stream_event content_block_*     → TEXT_MESSAGE_START/CONTENT/END for text,
//                                      TOOL_CALL_START/ARGS/END for tool_use,
//                                      REASONING_START, REASONING_MESSAGE_START/CONTENT/END,
//                                      REASONING_END for thinking
//   assistant                        → nothing when its message was streamed (it repeats the
//                                      blocks: it even arrives before their content_block_stop);
//                                      the whole blocks as events when it was not (no partial
//                                      messages, or the CLI's non-streaming fallback)
//   user with tool_result blocks     → TOOL_CALL_RESULT
//   system/api_retry                 → CUSTOM "api_retry"
//   result                           → the turn's outcome (usage, cost…, or the error)
// Anything else (system/status, system/thinking_tokens, new kinds) is ignored; a line that is
// not a JSON object with a "type" is malformed.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/agents/agent.hpp"

namespace ambient::runner {

struct MappedLine {
    std::vector<nlohmann::json> events;     // to emit, malformed or not
    std::optional<std::string> session_id;  // from system/init
    std::optional<TurnOutcome> outcome;     // set by the `result` line, or by a malformed line
    bool malformed = false;
};

class ClaudeStreamMapper {
public:
    // `new_id` makes AG-UI message ids (injected so tests get stable ids).
    explicit ClaudeStreamMapper(std::function<std::string()> new_id);

    MappedLine map(std::string_view line);

    // Ends whatever is still open (a text message, a tool call, reasoning), e.g. after the
    // process died mid-block, so every START has its END. Resets the per-turn state.
    std::vector<nlohmann::json> finish();

private:
    struct OpenBlock {
        enum class Kind { Text, ToolUse, Thinking } kind;
        std::string id;  // AG-UI message id, or the tool_use id
        bool started = false;
    };
    // One message stream per agent: the main one ("") and each sub-agent's (its Task tool's
    // tool_use id, the line's parent_tool_use_id).
    struct Stream {
        std::string message_id;  // the API message being streamed
        std::string last_text_id;
        std::map<long long, OpenBlock> blocks;  // by content block index
    };

    void on_stream_event(const nlohmann::json& line, MappedLine& out);
    void on_assistant(const nlohmann::json& line, MappedLine& out);
    void on_user(const nlohmann::json& line, MappedLine& out);
    void on_system(const nlohmann::json& line, MappedLine& out);
    void on_result(const nlohmann::json& line, MappedLine& out);
    void close_block(OpenBlock& block, std::vector<nlohmann::json>& events);
    void close_stream(Stream& stream, std::vector<nlohmann::json>& events);

    std::function<std::string()> new_id_;
    std::map<std::string, Stream> streams_;
    std::vector<std::string> streamed_message_ids_;  // messages whose blocks came as deltas
};

// The text of a tool_result's content: a string, or the text parts of a list of blocks.
std::string tool_result_text(const nlohmann::json& content);

}  // namespace ambient::runner
