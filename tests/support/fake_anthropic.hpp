#pragma once
// A fake of the Anthropic Messages API, for tests that run the real Claude Code CLI
// (ANTHROPIC_BASE_URL=base_url()). It is a fake: the project's own HTTP server on 127.0.0.1
// and a free port, answering from a script, recording what it was asked.
//
// POST /v1/messages (the CLI adds ?beta=true) answers the next scripted reply: with
// "stream": true the standard SSE sequence (message_start, content_block_start,
// content_block_delta with text_delta / input_json_delta / thinking_delta, content_block_stop,
// message_delta with stop_reason and usage, message_stop; a text comes in two text_deltas,
// a tool's input in two input_json_deltas); with "stream": false the same message as one
// JSON object (the CLI's fallback after a broken stream). With nothing
// scripted it answers 500 "no reply scripted", so a test that under-scripts fails loudly.
// POST /v1/messages/count_tokens answers a token count; HEAD / and GET / answer 200.
//
// What Claude Code 2.1.197 does against it (found by running it):
// - at start-up it sends HEAD / (a reachability check) before its first /v1/messages; it
//   makes no other call with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1: no count_tokens,
//   no title or Bash-prefix calls to a small model;
// - the request has "stream": true, the model from --model, and the whole conversation in
//   "messages" (a second turn repeats the first's user text, tool_use and tool_result), plus
//   a message with "role": "system" in the middle of "messages";
// - an HTTP error is not an error line: the CLI writes a made-up assistant message
//   ("model":"<synthetic>", "error":"server_error") with "API Error: 500 <message>…", then a
//   `result` with "is_error": true, "subtype": "success" (sic) and "api_error_status": 500;
// - CLAUDE_CODE_MAX_RETRIES=0 means no retry, and so, in this version, does 1 (no
//   system/api_retry line); the default retries a 500 after about half a second;
// - it sends the `assistant` line for a streamed block before that block's
//   content_block_stop stream event;
// - a stream that ends early (no message_stop) is asked again at once with "stream": false,
//   and the JSON answer becomes an `assistant` line with no stream events (the half-streamed
//   text was already shown: nothing takes it back).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ambient::testing {

class FakeAnthropic {
public:
    struct Reply {
        enum class Kind { Text, ToolUse, Error, Stall, Truncated };
        Kind kind = Kind::Text;
        std::string text;      // Text: the answer; Error: the error message
        std::string thinking;  // Text: a thinking block before the answer, when not empty
        std::string tool_name;
        nlohmann::json tool_input;
        int status = 200;  // Error
        std::string error_type = "api_error";

        static Reply answer(std::string text, std::string thinking = {});
        static Reply tool_use(std::string name, nlohmann::json input);
        static Reply error(int status, std::string message, std::string type = "api_error");
        // Sends message_start and then nothing, until the fake stops (for idle timeouts).
        static Reply stall();
        // Starts streaming `text` and ends the response after its first delta, without the
        // block's stop, message_delta or message_stop: a stream that broke off.
        static Reply truncated(std::string text);
    };

    struct Request {
        std::string method;
        std::string target;
        nlohmann::json body;  // null when not JSON
        std::string api_key;  // x-api-key
    };

    FakeAnthropic();
    ~FakeAnthropic();
    FakeAnthropic(const FakeAnthropic&) = delete;
    FakeAnthropic& operator=(const FakeAnthropic&) = delete;

    std::string base_url() const;
    void script(Reply reply);
    std::size_t unanswered() const;  // scripted replies not yet taken

    // Every request, in order; and only the POST /v1/messages ones.
    std::vector<Request> requests() const;
    std::vector<Request> message_requests() const;
    // Waits until `count` message requests arrived; false at the deadline.
    bool wait_for_message_requests(std::size_t count, std::chrono::milliseconds timeout) const;

    struct State;

private:
    std::shared_ptr<State> state_;
    struct Server;
    std::unique_ptr<Server> server_;
};

// The tool_result blocks of a request's conversation, as text (what the model was told its
// tools returned).
std::vector<std::string> tool_results_in(const nlohmann::json& request_body);
// The text of every user message block in a request's conversation.
std::vector<std::string> user_texts_in(const nlohmann::json& request_body);

}  // namespace ambient::testing
