// Issue 15, item 5: the API server is stopped (SIGTERM, as an orchestrator's rollout does)
// while a turn is in progress, and is down for a while before its replacement starts on the
// same port. The server drains within --shutdown-grace and exits 0; the streams it was
// serving end; the turn carries on in its runner, whose writes wait for the new server; and
// nothing is lost or doubled: the stored answer is whole, once, and a live reader that
// resumes with Last-Event-ID gets every event exactly once.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "e2e/e2e_fixture.hpp"

namespace ambient::testing::e2e {
namespace {

using nlohmann::json;

constexpr int kParts = 40;

// The text deltas of `events`, joined.
std::string text_of(const std::vector<AguiEvent>& events) {
    std::string text;
    for (const auto& e : events)
        if (e.type == "TEXT_MESSAGE_CONTENT") text += e.data.value("delta", "");
    return text;
}

// How many times "part N of" appears in `text`, per N.
std::map<int, int> parts_in(const std::string& text) {
    std::map<int, int> seen;
    for (int n = 1; n <= kParts; ++n) {
        const auto needle = "part " + std::to_string(n) + " of";
        for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
            if (at + needle.size() < text.size() && text[at + needle.size()] == ' ') ++seen[n];
    }
    return seen;
}

TEST_F(E2eTest, ApiServerStoppedMidTurnDrainsInItsGraceAndTheTurnLosesNothing) {
    start({.api_args = {"--shutdown-grace", "5s"}});
    create_project("rollout");
    // A turn that takes about ten seconds, writing as it goes.
    const auto id = run_session("rollout", "read -r line; i=1; while [ $i -le " + std::to_string(kParts) +
                                               " ]; do echo \"part $i of $line\"; i=$((i+1)); sleep 0.25; done");
    auto live = open_events(id);
    ASSERT_EQ(live->status(), 200);
    const auto seq = say(id, "rollout");
    auto before = read_events(*live, [](const AguiEvent& e) {
        return e.type == "TEXT_MESSAGE_CONTENT" && e.data.value("delta", "").find("part 3 of") != std::string::npos;
    });

    const auto restart = restart_api_server(2s);
    EXPECT_EQ(restart.exit_status, 0) << "the server did not exit cleanly";
    EXPECT_LT(restart.drained, 5s + 1s) << "the drain overran --shutdown-grace";

    // The stream open through the shutdown ended (the server closed it), holding what was sent.
    while (auto e = live->next(5s)) {
        AguiEvent event{e->id, "", json::parse(e->data, nullptr, false), e->data};
        if (event.data.is_object()) event.type = event.data.value("type", "");
        before.push_back(event);
    }
    EXPECT_TRUE(live->ended());
    ASSERT_FALSE(before.empty());
    EXPECT_EQ(parts_in(text_of(before)).count(kParts), 0u) << "the turn ended before the shutdown: nothing tested";

    // A reader resuming where it left off gets the rest of the turn, and nothing twice.
    auto resumed = open_events(id, before.back().id);
    ASSERT_EQ(resumed->status(), 200);
    const auto after = read_events(
        *resumed, [](const AguiEvent& e) { return e.type == "RUN_FINISHED"; }, 60s);
    const auto live_parts = parts_in(text_of(before) + text_of(after));
    for (int n = 1; n <= kParts; ++n)
        EXPECT_EQ(live_parts.count(n) ? live_parts.at(n) : 0, 1) << "part " << n << " in the live events";

    // The stored record: the turn finished once, its answer whole and once.
    const auto finished = wait_for_turn(id, seq, 60s);
    ASSERT_FALSE(finished.is_null());
    EXPECT_EQ(finished.value("status", ""), "completed") << finished;
    int starts = 0;
    int ends = 0;
    for (const auto& m : messages(id)) {
        if (m.event_type != "lifecycle") continue;
        const auto j = json::parse(m.payload, nullptr, false);
        if (j.value("user_seq", std::int64_t{-1}) != seq) continue;
        starts += j.value("event", "") == "run_started";
        ends += j.value("event", "") == "run_finished";
    }
    EXPECT_EQ(starts, 1);
    EXPECT_EQ(ends, 1);
    const auto stored_parts = parts_in(answer_to(id, seq));
    for (int n = 1; n <= kParts; ++n)
        EXPECT_EQ(stored_parts.count(n) ? stored_parts.at(n) : 0, 1) << "part " << n << " in the stored answer";

    // And the session goes on, served by the new server.
    EXPECT_EQ(session(id).value("phase", ""), "Running");
    EXPECT_NE(ask(id, "still here").find("part 1 of still here"), std::string::npos);
}

}  // namespace
}  // namespace ambient::testing::e2e
