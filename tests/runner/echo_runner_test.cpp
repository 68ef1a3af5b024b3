// ambient-runner with the echo agent, end to end: turns from the session's messages, the
// conversation written back, nothing run twice after a restart, and a clean stop.
#include "runner/runner_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

TEST_F(RunnerTest, EchoAnswersEachUserMessageInOrder) {
    start_runner({"RUNNER_TYPE=echo"});
    const auto first = say("hello there");
    const auto second = say("second turn");
    auto all = wait_for_turn(second);
    const auto assistant = of_type(all, "assistant");
    ASSERT_EQ(assistant.size(), 2u);
    EXPECT_EQ(assistant[0].payload, "echo: hello there");
    EXPECT_EQ(assistant[1].payload, "echo: second turn");
    EXPECT_LT(assistant[0].seq, assistant[1].seq);
    const auto done = finished_lifecycle(all, first);
    EXPECT_EQ(done["status"], "completed");
    // The first turn's lifecycle comes before the second turn's reply: one turn at a time.
    for (const auto& m : of_type(all, "lifecycle")) {
        auto j = json::parse(m.payload);
        if (j["event"] == "run_finished" && j["user_seq"] == first) {
            EXPECT_LT(m.seq, assistant[1].seq);
        }
    }
}

}  // namespace
}  // namespace ambient::testing
