#pragma once
// AG-UI events and stored session messages as text, for `session send -f`, `session messages`
// and `session events`.
//
// Two styles. On a terminal, readable text: "▶ run started", the assistant's text as it
// streams, "[thinking] …", "[Tool] name(args) → result preview", "⦿ step: X", "■ run
// finished" with usage and cost, "✗ error: msg" (colour when asked for). Anywhere else, one
// line per event that carries something to show, beginning with the event's type
// (RUN_STARTED, TEXT_MESSAGE_CONTENT, TOOL_CALL_START, TOOL_CALL_RESULT, RUN_FINISHED,
// RUN_ERROR, USER, …), as upstream's scripts grep for them; newlines inside a text are written
// as "\n" so that an event stays one line. Pure markers (TEXT_MESSAGE_START/END, TOOL_CALL_ARGS/
// END, REASONING_START/END, …) print nothing in that style; `--json` shows every event.
//
// Stored messages are what the runner wrote back (docs/runner.md "Write-back"): each is turned
// into the AG-UI events it stands for, so that both sources render alike.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ambient::cli {

using Json = nlohmann::json;

enum class EventStyle {
    Terminal,  // readable text for a person
    Lines,     // "<TYPE> <detail>" per event, for scripts
};

struct RenderOptions {
    EventStyle style = EventStyle::Lines;
    bool colour = false;  // ANSI colours (Terminal only)
};

// The options for stdout: Terminal (coloured unless NO_COLOR is set) on a terminal, else Lines.
RenderOptions render_options_for_stdout();

// The AG-UI events a stored message stands for:
//   user                        → USER {text} (our pseudo-event: the turn's prompt)
//   assistant                   → TEXT_MESSAGE_START, TEXT_MESSAGE_CONTENT {delta: text}, TEXT_MESSAGE_END
//   tool_use                    → TOOL_CALL_START {toolCallName}, TOOL_CALL_ARGS {delta: input}, TOOL_CALL_END
//   tool_result                 → TOOL_CALL_RESULT {content}
//   lifecycle run_started       → RUN_STARTED
//   lifecycle run_finished      → RUN_FINISHED {result: usage, cost}, or RUN_ERROR {message} for status "error"
//   error                       → nothing: the runner writes it just before the lifecycle message that
//                                 ends the failed run, which already says RUN_ERROR with the same message
//   an AG-UI type (upstream's)  → that event, from the payload when it is a JSON object
//   anything else               → {type: event_type, text: payload}
std::vector<Json> events_of_message(const Json& message);

// How a run ended, read from the runner's `lifecycle` message {"event":"run_finished",...};
// nullopt for any other message. This message is the end of every run, failed or not: the
// runner writes it last, after the run's text, tools and error (docs/runner.md).
struct RunEnd {
    bool failed = false;
    std::string message;        // the error, for a failed run
    std::int64_t user_seq = 0;  // the user message the run answered (0: not from one)
};
std::optional<RunEnd> run_end_of(const Json& message);

// Renders events one at a time, flushing after each, so a pipe sees lines as they come.
// Keeps what later events need: the open text line, each tool call's name and arguments.
class EventPrinter {
public:
    EventPrinter(std::ostream& out, RenderOptions options);

    void print(const Json& event);
    void print_message(const Json& message);
    // Ends an open text line (before the program exits or writes elsewhere).
    void finish();

private:
    struct ToolCall {
        std::string name;
        std::string args;
    };
    void print_terminal(const std::string& type, const Json& event);
    void print_line(const std::string& type, const Json& event);
    void write_inline(std::string_view text, const char* colour);
    void write_line(const std::string& text, const char* colour = nullptr);
    std::string paint(const std::string& text, const char* colour) const;

    std::ostream& out_;
    RenderOptions options_;
    bool at_line_start_ = true;
    bool in_reasoning_ = false;              // the open line is "[thinking] …"
    std::map<std::string, ToolCall> tools_;  // toolCallId → what is known of it
};

// What `session messages` shows under a message's header; "" for a message with nothing to show
// (it is then left out). Upstream's rules for its types, ours for the runner's.
std::string display_text(const Json& message);

// "turns=1 in=10 out=20 cached=5 cost=$0.0123 dur=850ms" from a RUN_FINISHED result (or a
// lifecycle payload), the fields that are present; "" when none is.
std::string usage_summary(const Json& result);

// A tool's input as "k=v, k=v" (strings unquoted), or the text itself when it is not an object.
std::string input_summary(const Json& input);

// `text` on one line (newlines as spaces, runs of blanks as one) cut to `max_chars` characters
// with "…".
std::string preview(std::string_view text, std::size_t max_chars);

// `text` with every line word-wrapped so that `indent` spaces plus the line fit in `width`
// characters (a longer word stands alone); each line starts with the indent.
std::string wrap(std::string_view text, int width, int indent);

// The text of a user message's payload: the prompt itself, or, for an AG-UI RunAgentInput,
// its last user message's content.
std::string user_text(const std::string& payload);

}  // namespace ambient::cli
