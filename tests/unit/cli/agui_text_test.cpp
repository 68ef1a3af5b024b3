// Rendering AG-UI events and stored session messages: the readable terminal form and the
// type-prefixed lines scripts grep, for every event type the runner emits.
#include "cli/agui_text.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace ambient::cli {
namespace {

std::string render(const std::vector<Json>& events, RenderOptions options) {
    std::ostringstream out;
    EventPrinter printer(out, options);
    for (const auto& event : events)
        printer.print(event);
    printer.finish();
    return out.str();
}

std::string lines(const std::vector<Json>& events) {
    return render(events, {EventStyle::Lines, false});
}

std::string terminal(const std::vector<Json>& events, bool colour = false) {
    return render(events, {EventStyle::Terminal, colour});
}

Json message(std::int64_t seq, const std::string& type, const std::string& payload) {
    return {{"seq", seq}, {"event_type", type}, {"payload", payload}, {"session_id", "s"}};
}

// A run as the runner streams it: text, a tool call with its result, more text, the end.
std::vector<Json> a_run() {
    return {
        {{"type", "RUN_STARTED"}, {"threadId", "s"}, {"runId", "r1"}},
        {{"type", "TEXT_MESSAGE_START"}, {"messageId", "m1"}, {"role", "assistant"}},
        {{"type", "TEXT_MESSAGE_CONTENT"}, {"messageId", "m1"}, {"delta", "Hello "}},
        {{"type", "TEXT_MESSAGE_CONTENT"}, {"messageId", "m1"}, {"delta", "world"}},
        {{"type", "TEXT_MESSAGE_END"}, {"messageId", "m1"}},
        {{"type", "TOOL_CALL_START"}, {"toolCallId", "t1"}, {"toolCallName", "Bash"}},
        {{"type", "TOOL_CALL_ARGS"}, {"toolCallId", "t1"}, {"delta", "{\"command\":"}},
        {{"type", "TOOL_CALL_ARGS"}, {"toolCallId", "t1"}, {"delta", "\"ls\"}"}},
        {{"type", "TOOL_CALL_END"}, {"toolCallId", "t1"}},
        {{"type", "TOOL_CALL_RESULT"}, {"toolCallId", "t1"}, {"content", "a.txt\nb.txt\n"}},
        {{"type", "RUN_FINISHED"},
         {"runId", "r1"},
         {"result",
          {{"num_turns", 2}, {"usage", {{"input_tokens", 10}, {"output_tokens", 20}}}, {"total_cost_usd", 0.0123}}}},
    };
}

TEST(AguiLines, EachEventWithContentIsOneLineStartingWithItsType) {
    EXPECT_EQ(lines(a_run()),
              "RUN_STARTED r1\n"
              "TEXT_MESSAGE_CONTENT Hello \n"
              "TEXT_MESSAGE_CONTENT world\n"
              "TOOL_CALL_START Bash\n"
              "TOOL_CALL_RESULT a.txt b.txt\n"
              "RUN_FINISHED r1 turns=2 in=10 out=20 cost=$0.0123\n");
}

TEST(AguiLines, NewlinesInsideATextStayOnTheEventsLine) {
    EXPECT_EQ(lines({{{"type", "TEXT_MESSAGE_CONTENT"}, {"delta", "one\ntwo\r\n"}}}),
              "TEXT_MESSAGE_CONTENT one\\ntwo\\r\\n\n");
}

TEST(AguiLines, ErrorsReasoningStepsAndUnknownTypes) {
    EXPECT_EQ(lines({{{"type", "RUN_ERROR"}, {"message", "boom\nagain"}, {"code", "X"}}}), "RUN_ERROR boom\\nagain\n");
    EXPECT_EQ(lines({{{"type", "REASONING_MESSAGE_CONTENT"}, {"delta", "hmm"}}}), "REASONING_MESSAGE_CONTENT hmm\n");
    EXPECT_EQ(lines({{{"type", "STEP_STARTED"}, {"stepName", "plan"}}}), "STEP_STARTED plan\n");
    EXPECT_EQ(lines({{{"type", "STEP_FINISHED"}, {"stepName", "plan"}}}), "STEP_FINISHED plan\n");
    EXPECT_EQ(lines({{{"type", "CUSTOM"}, {"name", "progress"}, {"value", 1}}}), "CUSTOM progress\n");
    EXPECT_EQ(lines({{{"type", "STATE_SNAPSHOT"}, {"snapshot", Json::object()}}}), "STATE_SNAPSHOT\n");
    EXPECT_EQ(lines({{{"type", "RUN_FINISHED"}, {"runId", "r"}}}), "RUN_FINISHED r\n");
    EXPECT_EQ(lines({Json::array(), Json("x"), Json::object()}), "");  // not events
}

TEST(AguiLines, MarkersPrintNothing) {
    for (const char* type : {"TEXT_MESSAGE_START", "TEXT_MESSAGE_END", "TOOL_CALL_ARGS", "TOOL_CALL_END",
                             "REASONING_START", "REASONING_END", "REASONING_MESSAGE_START", "REASONING_MESSAGE_END"}) {
        EXPECT_EQ(lines({{{"type", type}, {"delta", "x"}}}), "") << type;
    }
}

TEST(AguiTerminal, ARunReadsAsText) {
    EXPECT_EQ(terminal(a_run()),
              "▶ run started\n"
              "Hello world\n"
              "[Tool] Bash(command=ls) → a.txt b.txt\n"
              "■ run finished turns=2 in=10 out=20 cost=$0.0123\n");
}

TEST(AguiTerminal, ErrorsThinkingStepsAndUsers) {
    EXPECT_EQ(terminal({{{"type", "RUN_ERROR"}, {"message", "boom"}}}), "✗ error: boom\n");
    EXPECT_EQ(terminal({{{"type", "STEP_STARTED"}, {"stepName", "plan"}}}), "⦿ step: plan\n");
    EXPECT_EQ(terminal({{{"type", "USER"}, {"text", "hi"}}}), "[user] hi\n");
    EXPECT_EQ(terminal({{{"type", "REASONING_MESSAGE_START"}},
                        {{"type", "REASONING_MESSAGE_CONTENT"}, {"delta", "let me "}},
                        {{"type", "REASONING_MESSAGE_CONTENT"}, {"delta", "think"}},
                        {{"type", "REASONING_MESSAGE_END"}},
                        {{"type", "TEXT_MESSAGE_CONTENT"}, {"delta", "done"}}}),
              "[thinking] let me think\ndone\n");
    // A text cut short by the end of the run still ends its line before the run's line.
    EXPECT_EQ(terminal({{{"type", "TEXT_MESSAGE_CONTENT"}, {"delta", "partial"}}, {{"type", "RUN_FINISHED"}}}),
              "partial\n■ run finished\n");
    EXPECT_EQ(terminal({{{"type", "CUSTOM"}, {"name", "x"}}, {{"type", "TOOL_CALL_END"}}}), "");
}

TEST(AguiTerminal, AToolResultWithoutItsStartStillShows) {
    EXPECT_EQ(terminal({{{"type", "TOOL_CALL_RESULT"}, {"toolCallId", "?"}, {"content", "ok"}}}), "[Tool] → ok\n");
}

TEST(AguiTerminal, ColourOnlyWhenAskedFor) {
    const auto plain = terminal({{{"type", "RUN_ERROR"}, {"message", "boom"}}});
    const auto coloured = terminal({{{"type", "RUN_ERROR"}, {"message", "boom"}}}, true);
    EXPECT_EQ(plain.find('\x1b'), std::string::npos);
    EXPECT_NE(coloured.find("\x1b[31m✗ error: boom\x1b[0m"), std::string::npos) << coloured;
}

TEST(StoredMessages, RenderAsTheEventsTheyStandFor) {
    std::ostringstream out;
    EventPrinter printer(out, {EventStyle::Lines, false});
    for (const auto& m : {
             message(1, "user", "list the files"),
             message(2, "lifecycle", R"({"event":"run_started","run_id":"r1","user_seq":1})"),
             message(3, "assistant", "Looking.\nNow."),
             message(4, "tool_use", R"({"tool":"Bash","tool_call_id":"t1","input":{"command":"ls"}})"),
             message(5, "tool_result", R"({"tool_call_id":"t1","result":"a.txt"})"),
             message(6, "lifecycle",
                     R"({"event":"run_finished","status":"completed","run_id":"r1","user_seq":1,)"
                     R"("usage":{"output_tokens":7},"total_cost_usd":0.5})"),
         })
        printer.print_message(m);
    EXPECT_EQ(out.str(),
              "USER list the files\n"
              "RUN_STARTED r1\n"
              "TEXT_MESSAGE_CONTENT Looking.\\nNow.\n"
              "TOOL_CALL_START Bash\n"
              "TOOL_CALL_RESULT a.txt\n"
              "RUN_FINISHED r1 out=7 cost=$0.5000\n");
}

TEST(StoredMessages, AFailedRunIsOneRunErrorLine) {
    std::ostringstream out;
    EventPrinter printer(out, {EventStyle::Lines, false});
    printer.print_message(message(7, "error", R"({"run_id":"r2","message":"agent crashed"})"));
    printer.print_message(
        message(8, "lifecycle",
                R"({"event":"run_finished","status":"error","run_id":"r2","user_seq":4,"message":"agent crashed"})"));
    EXPECT_EQ(out.str(), "RUN_ERROR agent crashed\n");
}

TEST(StoredMessages, OnTheTerminalTheToolLineNamesTheToolAndItsInput) {
    std::ostringstream out;
    EventPrinter printer(out, {EventStyle::Terminal, false});
    printer.print_message(message(3, "assistant", "Looking."));
    printer.print_message(message(4, "tool_use", R"({"tool":"Read","tool_call_id":"t1","input":{"path":"a"}})"));
    printer.print_message(message(5, "tool_result", R"({"tool_call_id":"t1","result":"text"})"));
    EXPECT_EQ(out.str(), "Looking.\n[Tool] Read(path=a) → text\n");
}

TEST(StoredMessages, UnknownTypesShowTheirPayload) {
    EXPECT_EQ(events_of_message(message(1, "system", "hello")),
              (std::vector<Json>{{{"type", "system"}, {"text", "hello"}}}));
    // Upstream's runner stored AG-UI events under their own type.
    const auto events = events_of_message(message(1, "RUN_ERROR", R"({"message":"old"})"));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["type"], "RUN_ERROR");
    EXPECT_EQ(events[0]["message"], "old");
}

TEST(StoredMessages, UserTextOfARunAgentInputIsItsLastUserMessage) {
    EXPECT_EQ(user_text("plain"), "plain");
    EXPECT_EQ(
        user_text(
            R"({"messages":[{"role":"user","content":"first"},{"role":"assistant","content":"x"},)"
            R"({"role":"user","content":[{"type":"text","text":"a"},{"type":"image"},{"type":"text","text":"b"}]}]})"),
        "a\nb");
}

TEST(RunEnd, TheLifecycleRunFinishedMessageEndsARun) {
    EXPECT_FALSE(run_end_of(message(1, "user", "x")));
    EXPECT_FALSE(run_end_of(message(2, "lifecycle", R"({"event":"run_started","run_id":"r","user_seq":1})")));
    EXPECT_FALSE(run_end_of(message(3, "error", R"({"run_id":"r","message":"m"})")));
    const auto done =
        run_end_of(message(4, "lifecycle", R"({"event":"run_finished","status":"completed","user_seq":9})"));
    ASSERT_TRUE(done);
    EXPECT_FALSE(done->failed);
    EXPECT_EQ(done->user_seq, 9);
    const auto failed =
        run_end_of(message(5, "lifecycle", R"({"event":"run_finished","status":"error","message":"m","user_seq":3})"));
    ASSERT_TRUE(failed);
    EXPECT_TRUE(failed->failed);
    EXPECT_EQ(failed->message, "m");
}

TEST(DisplayText, EachStoredTypeHasItsText) {
    EXPECT_EQ(display_text(message(1, "user", "hi")), "hi");
    EXPECT_EQ(display_text(message(1, "assistant", "hello")), "hello");
    EXPECT_EQ(display_text(message(1, "tool_use", R"({"tool":"Bash","input":{"command":"ls"}})")),
              "[Tool] Bash(command=ls)");
    EXPECT_EQ(display_text(message(1, "tool_result", R"({"result":"out"})")), "out");
    EXPECT_EQ(display_text(message(1, "error", R"({"message":"bad"})")), "bad");
    EXPECT_EQ(display_text(message(1, "lifecycle", R"({"event":"run_started","run_id":"r"})")), "[started] r");
    EXPECT_EQ(display_text(message(1, "lifecycle", R"({"event":"run_finished","status":"completed"})")), "[done]");
    EXPECT_EQ(display_text(message(1, "lifecycle", R"({"event":"run_finished","status":"error","message":"x"})")),
              "[failed] x");
    EXPECT_EQ(display_text(message(1, "TEXT_MESSAGE_CONTENT", R"({"delta":"d"})")), "d");
    EXPECT_EQ(display_text(message(1, "RUN_ERROR", R"({"message":"m"})")), "message='m'");
    EXPECT_EQ(display_text(message(1, "STATE_DELTA", "{}")), "");
}

TEST(Text, PreviewIsOneLineCutByCharacters) {
    EXPECT_EQ(preview("  a\n\nb   c  ", 10), "a b c");
    EXPECT_EQ(preview("abcdef", 3), "abc…");
    EXPECT_EQ(preview("日本語テスト", 2), "日本…");
}

TEST(Text, WrapIndentsAndBreaksAtWords) {
    EXPECT_EQ(wrap("one two three four", 30, 6), "      one two three four\n");
    EXPECT_EQ(wrap("aaaa bbbb cccc dddd eeee ffff", 26, 6), "      aaaa bbbb cccc dddd\n      eeee ffff\n");
    EXPECT_EQ(wrap("x\ny", 80, 2), "  x\n  y\n");
}

TEST(Text, UsageSummaryShowsWhatIsPresent) {
    EXPECT_EQ(usage_summary(Json::object()), "");
    EXPECT_EQ(usage_summary({{"usage", {{"cache_read_input_tokens", 3}}}, {"duration_ms", 850}}), "cached=3 dur=850ms");
}

}  // namespace
}  // namespace ambient::cli
