// The Claude CLI's stream-json lines → AG-UI events, on lines captured from the real CLI:
// the exact event sequence of a tool turn, streamed text never repeated by the final
// `assistant` line, thinking, retries, API errors, and malformed lines as failed turns.
#include "runner/agents/claude_stream_mapper.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "claude_stream_fixtures.hpp"

namespace ambient::runner {
namespace {

using nlohmann::json;

struct Fed {
    std::vector<json> events;
    std::vector<std::string> session_ids;
    std::optional<TurnOutcome> outcome;
    bool malformed = false;
};

ClaudeStreamMapper make_mapper() {
    return ClaudeStreamMapper([n = 0]() mutable { return "m" + std::to_string(++n); });
}

Fed feed(ClaudeStreamMapper& mapper, const std::vector<std::string>& lines) {
    Fed fed;
    for (const auto& line : lines) {
        auto mapped = mapper.map(line);
        for (auto& e : mapped.events)
            fed.events.push_back(std::move(e));
        if (mapped.session_id) fed.session_ids.push_back(*mapped.session_id);
        if (mapped.outcome) fed.outcome = mapped.outcome;
        fed.malformed = fed.malformed || mapped.malformed;
    }
    return fed;
}

std::vector<std::string> types(const std::vector<json>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        out.push_back(e.at("type").get<std::string>());
    return out;
}

std::string joined(const std::vector<json>& events, const std::string& type, const std::string& field) {
    std::string out;
    for (const auto& e : events) {
        if (e.at("type") == type) out += e.at(field).get<std::string>();
    }
    return out;
}

TEST(ClaudeStreamMapper, ToolTurnIsTheExactSequence) {
    auto mapper = make_mapper();
    const auto fed = feed(mapper, fixtures::kToolTurn);
    EXPECT_EQ(types(fed.events),
              (std::vector<std::string>{"TOOL_CALL_START", "TOOL_CALL_ARGS", "TOOL_CALL_ARGS", "TOOL_CALL_END",
                                        "TOOL_CALL_RESULT", "TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT",
                                        "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END"}));
    EXPECT_EQ(fed.events[0]["toolCallId"], "toolu_1");
    EXPECT_EQ(fed.events[0]["toolCallName"], "Bash");
    EXPECT_EQ(json::parse(joined(fed.events, "TOOL_CALL_ARGS", "delta")),
              (json{{"command", "printenv GITHUB_TOKEN"}, {"description", "print token"}}));
    EXPECT_EQ(fed.events[4]["toolCallId"], "toolu_1");
    EXPECT_EQ(fed.events[4]["content"], "ghp_secretvalue123");
    // The final `assistant` line repeats the streamed text: it is not emitted twice.
    EXPECT_EQ(joined(fed.events, "TEXT_MESSAGE_CONTENT", "delta"), "The token is set.");
    EXPECT_EQ(fed.events[5]["messageId"], fed.events[8]["messageId"]);

    EXPECT_EQ(fed.session_ids, std::vector<std::string>{"c1957ee8-8784-4dfa-9fb0-ff3d36598f78"});
    ASSERT_TRUE(fed.outcome);
    EXPECT_TRUE(fed.outcome->ok);
    EXPECT_EQ(fed.outcome->result["num_turns"], 2);
    EXPECT_EQ(fed.outcome->result["is_error"], false);
    EXPECT_TRUE(fed.outcome->result["total_cost_usd"].is_number());
    EXPECT_EQ(fed.outcome->result["usage"]["output_tokens"], 10);
    EXPECT_TRUE(fed.outcome->result.contains("duration_ms"));
}

TEST(ClaudeStreamMapper, ApiErrorIsAFailedTurnNamingTheStatus) {
    auto mapper = make_mapper();
    const auto fed = feed(mapper, fixtures::kApiErrorTurn);
    // The CLI's made-up assistant message holding the error text is not shown as a reply.
    EXPECT_TRUE(fed.events.empty()) << json(fed.events).dump();
    ASSERT_TRUE(fed.outcome);
    EXPECT_FALSE(fed.outcome->ok);
    EXPECT_FALSE(fed.malformed);
    EXPECT_NE(fed.outcome->error.find("500"), std::string::npos) << fed.outcome->error;
    EXPECT_NE(fed.outcome->error.find("fake overloaded boom"), std::string::npos) << fed.outcome->error;
}

TEST(ClaudeStreamMapper, ThinkingAndARetry) {
    auto mapper = make_mapper();
    const auto fed = feed(mapper, fixtures::kThinkingTurnAfterRetry);
    EXPECT_EQ(
        types(fed.events),
        (std::vector<std::string>{"CUSTOM", "REASONING_START", "REASONING_MESSAGE_START", "REASONING_MESSAGE_CONTENT",
                                  "REASONING_MESSAGE_END", "REASONING_END", "TEXT_MESSAGE_START",
                                  "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END"}));
    EXPECT_EQ(fed.events[0]["name"], "api_retry");
    EXPECT_EQ(fed.events[0]["value"]["error_status"], 500);
    EXPECT_EQ(fed.events[0]["value"]["attempt"], 1);
    EXPECT_EQ(joined(fed.events, "REASONING_MESSAGE_CONTENT", "delta"), "Let me think about it.");
    EXPECT_EQ(joined(fed.events, "TEXT_MESSAGE_CONTENT", "delta"), "Thought answer");
    ASSERT_TRUE(fed.outcome);
    EXPECT_TRUE(fed.outcome->ok);
}

TEST(ClaudeStreamMapper, MalformedLinesFailTheTurn) {
    for (const std::string line : {
             "this is not json",
             "[1,2,3]",
             R"({"no":"type"})",
             R"({"type":42})",
             R"({"type":"stream_event","event":{"type":"content_block_delta"}})",
             R"({"type":"assistant","message":"not an object"})",
             R"({"type":"user"})",
         }) {
        auto mapper = make_mapper();
        const auto mapped = mapper.map(line);
        EXPECT_TRUE(mapped.malformed) << line;
        ASSERT_TRUE(mapped.outcome) << line;
        EXPECT_FALSE(mapped.outcome->ok);
        EXPECT_NE(mapped.outcome->error.find("malformed output from the Claude CLI"), std::string::npos);
    }
}

// A line that fails after it closed what was open still hands over the ENDs: the caller
// emits them, and finish() no longer knows those blocks. (Found by the fuzzer.)
TEST(ClaudeStreamMapper, AMalformedMessageStartStillEndsWhatItClosed) {
    auto mapper = make_mapper();
    feed(
        mapper,
        {
            R"({"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_a"}}})",
            R"({"type":"stream_event","event":{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_2","name":"Bash","input":{}}}})",
        });
    const auto mapped = mapper.map(R"({"type":"stream_event","event":{"type":"message_start"}})");
    EXPECT_TRUE(mapped.malformed);
    EXPECT_EQ(types(mapped.events), std::vector<std::string>{"TOOL_CALL_END"});
    EXPECT_TRUE(mapper.finish().empty());
}

// An index that is a number but not a whole one is malformed, not undefined behaviour.
TEST(ClaudeStreamMapper, ABlockIndexThatIsNotAnIntegerIsMalformed) {
    for (const std::string index : {"1e300", "0.5", "\"0\"", "null"}) {
        auto mapper = make_mapper();
        const auto mapped = mapper.map(R"({"type":"stream_event","event":{"type":"content_block_start","index":)" +
                                       index + R"(,"content_block":{"type":"text"}}})");
        EXPECT_TRUE(mapped.malformed) << index;
    }
}

TEST(ClaudeStreamMapper, UnknownLineKindsAreIgnored) {
    auto mapper = make_mapper();
    for (const std::string line : {
             R"({"type":"system","subtype":"status","status":"requesting"})",
             R"({"type":"system","subtype":"thinking_tokens","estimated_tokens":6})",
             R"({"type":"rate_limit_event","info":{}})",
             R"({"type":"stream_event","event":{"type":"ping"}})",
         }) {
        const auto mapped = mapper.map(line);
        EXPECT_FALSE(mapped.malformed) << line;
        EXPECT_TRUE(mapped.events.empty()) << line;
        EXPECT_FALSE(mapped.outcome) << line;
    }
}

// Without partial messages (or after the CLI's non-streaming fallback) the blocks come only
// in the `assistant` line: they are emitted whole.
TEST(ClaudeStreamMapper, AnUnstreamedAssistantMessageIsEmittedWhole) {
    auto mapper = make_mapper();
    const auto fed = feed(
        mapper,
        {R"({"type":"assistant","message":{"id":"msg_x","content":[{"type":"thinking","thinking":"hmm"},{"type":"text","text":"Let me look."},{"type":"tool_use","id":"toolu_9","name":"Read","input":{"file_path":"/a"}}]},"parent_tool_use_id":null})"});
    EXPECT_EQ(types(fed.events),
              (std::vector<std::string>{"REASONING_START", "REASONING_MESSAGE_START", "REASONING_MESSAGE_CONTENT",
                                        "REASONING_MESSAGE_END", "REASONING_END", "TEXT_MESSAGE_START",
                                        "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END", "TOOL_CALL_START", "TOOL_CALL_ARGS",
                                        "TOOL_CALL_END"}));
    EXPECT_EQ(json::parse(fed.events[9]["delta"].get<std::string>()), (json{{"file_path", "/a"}}));
    // The tool call belongs to the text before it.
    EXPECT_EQ(fed.events[8]["parentMessageId"], fed.events[5]["messageId"]);
}

// A stream that broke off mid-block (the CLI then retries without streaming) never sends its
// content_block_stop: the open message is ended, so every START has its END.
TEST(ClaudeStreamMapper, ABrokenStreamIsClosedBeforeTheRetriedMessage) {
    auto mapper = make_mapper();
    const auto fed = feed(
        mapper,
        {
            R"({"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_a"}}})",
            R"({"type":"stream_event","event":{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}})",
            R"({"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}})",
            R"({"type":"assistant","message":{"id":"msg_b","content":[{"type":"text","text":"Hello"}]}})",
            R"({"type":"result","subtype":"success","is_error":false,"num_turns":1,"usage":{}})",
        });
    EXPECT_EQ(types(fed.events),
              (std::vector<std::string>{"TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END",
                                        "TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END"}));
    EXPECT_EQ(fed.events[2]["messageId"], fed.events[0]["messageId"]);
    EXPECT_EQ(fed.events[5]["messageId"], fed.events[3]["messageId"]);
    ASSERT_TRUE(fed.outcome);
    EXPECT_TRUE(fed.outcome->ok);
}

TEST(ClaudeStreamMapper, FinishEndsWhatIsOpen) {
    auto mapper = make_mapper();
    feed(
        mapper,
        {
            R"({"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_a"}}})",
            R"({"type":"stream_event","event":{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_2","name":"Bash","input":{}}}})",
        });
    EXPECT_EQ(types(mapper.finish()), std::vector<std::string>{"TOOL_CALL_END"});
    EXPECT_TRUE(mapper.finish().empty());
}

// A resumed conversation the CLI no longer has: the error is in "errors", not "result".
TEST(ClaudeStreamMapper, ErrorsListIsTheErrorText) {
    auto mapper = make_mapper();
    const auto mapped = mapper.map(
        R"({"type":"result","subtype":"error_during_execution","is_error":true,"num_turns":0,"session_id":"11111111-2222-3333-4444-555555555555","errors":["No conversation found with session ID: 11111111-2222-3333-4444-555555555555"]})");
    ASSERT_TRUE(mapped.outcome);
    EXPECT_FALSE(mapped.outcome->ok);
    EXPECT_NE(mapped.outcome->error.find("No conversation found"), std::string::npos) << mapped.outcome->error;
    EXPECT_EQ(mapped.outcome->result["num_turns"], 0);
}

TEST(ClaudeStreamMapper, ToolResultContentListIsJoinedText) {
    auto mapper = make_mapper();
    const auto mapped = mapper.map(
        R"({"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_3","content":[{"type":"text","text":"line one"},{"type":"image","source":{}},{"type":"text","text":"line two"}]}]}})");
    ASSERT_EQ(mapped.events.size(), 1u);
    EXPECT_EQ(mapped.events[0]["type"], "TOOL_CALL_RESULT");
    EXPECT_EQ(mapped.events[0]["toolCallId"], "toolu_3");
    EXPECT_EQ(mapped.events[0]["content"], "line one\nline two");
}

}  // namespace
}  // namespace ambient::runner
