// Issue 11: "Events stream without 502". GET /sessions/{id}/events streams a run through the
// API server's proxy, for session ids with upper-case letters too (upstream lower-cased them
// into a service name and answered 502), and a reader that comes back with Last-Event-ID
// misses nothing, whether it left mid-run or between runs.
#include "e2e/e2e_fixture.hpp"

namespace ambient::testing::e2e {
namespace {

// The agent answers in five lines, a little apart, so a run has events to leave in the middle of.
constexpr const char* kSlowLines = "p=$(head -c 20); for i in 1 2 3 4 5; do echo \"line $i of $p\"; sleep 0.2; done";

std::string text_of(const std::vector<AguiEvent>& events) {
    std::string out;
    for (const auto& e : events)
        if (e.type == "TEXT_MESSAGE_CONTENT") out += e.data.value("delta", "");
    return out;
}

// Ids are the runner's counter: a stream that misses nothing has no gap.
void expect_consecutive(const std::vector<AguiEvent>& events) {
    for (std::size_t i = 1; i < events.size(); ++i) {
        EXPECT_EQ(std::stoll(events[i].id), std::stoll(events[i - 1].id) + 1)
            << "gap between events " << events[i - 1].id << " and " << events[i].id;
    }
}

bool is_run_end(const AguiEvent& e) {
    return e.type == "RUN_FINISHED" || e.type == "RUN_ERROR";
}

TEST_F(E2eTest, EventsOfAnUpperCaseSessionIdStreamAndResumeWithoutLoss) {
    start();
    create_project("events");
    // Ids are KSUIDs in base62: nearly all have an upper-case letter; make sure this one has.
    std::string id;
    for (int i = 0; i < 20 && !has_upper_case(id); ++i)
        id = create_session("events", kSlowLines);
    ASSERT_TRUE(has_upper_case(id)) << id;
    start_session(id);
    wait_for_phase(id, "Running");

    // Run 1: the reader leaves after the first line and comes back with Last-Event-ID.
    auto reader = open_events(id);
    ASSERT_EQ(reader->status(), 200) << reader->response().body;
    const auto seq1 = say(id, "alpha");
    auto before = read_events(*reader, [](const AguiEvent& e) { return e.type == "TEXT_MESSAGE_CONTENT"; });
    ASSERT_FALSE(before.empty());
    reader->close();
    auto resumed = open_events(id, before.back().id);
    ASSERT_EQ(resumed->status(), 200) << resumed->response().body;
    auto after = read_events(*resumed, is_run_end);
    ASSERT_FALSE(after.empty());
    EXPECT_EQ(after.back().type, "RUN_FINISHED") << after.back().raw;
    auto run1 = before;
    run1.insert(run1.end(), after.begin(), after.end());
    expect_consecutive(run1);
    EXPECT_EQ(run1.front().type, "RUN_STARTED");
    std::string expected;
    for (int i = 1; i <= 5; ++i)
        expected += "line " + std::to_string(i) + " of alpha\n";
    EXPECT_EQ(text_of(run1), expected);
    wait_for_turn(id, seq1);
    resumed->close();

    // Run 2 happens while nobody reads; a reader resuming from run 1's last event gets all of it.
    const auto last = run1.back().id;
    const auto answer = ask(id, "beta");
    EXPECT_NE(answer.find("line 5 of beta"), std::string::npos) << answer;
    auto late = open_events(id, last);
    ASSERT_EQ(late->status(), 200) << late->response().body;
    auto run2 = read_events(*late, is_run_end);
    ASSERT_FALSE(run2.empty());
    EXPECT_EQ(std::stoll(run2.front().id), std::stoll(last) + 1);
    expect_consecutive(run2);
    EXPECT_EQ(run2.back().type, "RUN_FINISHED");
    EXPECT_NE(text_of(run2).find("line 1 of beta\n"), std::string::npos) << text_of(run2);
    EXPECT_NE(text_of(run2).find("line 5 of beta\n"), std::string::npos) << text_of(run2);

    // The same relay under upstream's AG-UI name.
    SseReader agui(api_server().process().host(), api_server().process().port(),
                   "/api/ambient/v1/sessions/" + id + "/agui/events",
                   {{"Authorization", std::string("Bearer ") + kTestToken}});
    EXPECT_EQ(agui.status(), 200) << agui.response().body;
}

}  // namespace
}  // namespace ambient::testing::e2e
