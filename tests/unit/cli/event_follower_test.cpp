// The SSE parser the follow commands read streams with: events split anywhere, comments,
// CRLF, multi-line data, and the rule that an unfinished event is never handed out. Then
// follow_stream against a fake server whose stream stalls or ends with an error event.
#include "cli/event_follower.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "support/stalling_sse_server.hpp"

namespace ambient::cli {
namespace {

TEST(SseParser, EventsCutAnywhereComeOutWholeAndInOrder) {
    const std::string stream = ": ping\n\nid: 1\ndata: {\"a\":1}\n\nid: 2\r\nevent: x\r\ndata: two\r\n\r\n";
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        SseParser parser;
        auto events = parser.feed(std::string_view(stream).substr(0, cut));
        for (auto& e : parser.feed(std::string_view(stream).substr(cut)))
            events.push_back(e);
        ASSERT_EQ(events.size(), 2u) << "cut at " << cut;
        EXPECT_EQ(events[0].id, "1");
        EXPECT_EQ(events[0].data, "{\"a\":1}");
        EXPECT_EQ(events[0].event, "");
        EXPECT_EQ(events[1].id, "2");
        EXPECT_EQ(events[1].event, "x");
        EXPECT_EQ(events[1].data, "two");
    }
}

TEST(SseParser, DataLinesJoinAndAnUnfinishedEventWaits) {
    SseParser parser;
    EXPECT_TRUE(parser.feed("data: one\ndata:two\n").empty());
    const auto events = parser.feed("\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "one\ntwo");
    EXPECT_EQ(events[0].id, "");
}

TEST(SseParser, CommentsAndIdOnlyBlocksAreNoEvents) {
    SseParser parser;
    EXPECT_TRUE(parser.feed(": stream ended: token expired\n\nid: 5\n\n").empty());
}

using testing::sse_frame;
using testing::StallingSseServer;

constexpr const char* kMessagesPath = "/api/ambient/v1/sessions/s1/messages";

// Follows the fake's stream until `want` events arrived (or 10 s passed), with a test-sized
// idle timeout: a server that would ping every 100 ms, silent for three of them.
struct Followed {
    std::vector<SseEvent> events;
    std::chrono::steady_clock::duration took{};
};
Followed follow(const StallingSseServer& server, std::size_t want) {
    Followed out;
    std::atomic<bool> stop{false};
    const auto started = std::chrono::steady_clock::now();
    std::thread deadline([&] {
        for (int i = 0; i < 1000 && !stop.load(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        stop = true;
    });
    FollowRequest request{.path = "/sessions/s1/messages?after_seq=0",
                          .last_event_id = {},
                          .context = "follow messages of session \"s1\"",
                          .idle_timeout = std::chrono::milliseconds(300)};
    follow_stream([&] { return Api(ApiOptions{.api_url = server.url(), .token = "t"}); }, request,
                  [&](const SseEvent& e) {
                      out.events.push_back(e);
                      return out.events.size() >= want ? FollowVerdict::Stop : FollowVerdict::Continue;
                  },
                  stop);
    out.took = std::chrono::steady_clock::now() - started;
    stop = true;
    deadline.join();
    return out;
}

TEST(FollowStream, AStalledStreamIsResumedAfterTheLastEventAndNothingRepeats) {
    // Event 1, then silence with the connection open; the resumed stream carries event 2.
    StallingSseServer server(kMessagesPath,
                             {{sse_frame("1", "one"), /*stall=*/true}, {sse_frame("2", "two"), /*stall=*/true}});
    const auto followed = follow(server, 2);
    ASSERT_EQ(followed.events.size(), 2u);
    EXPECT_EQ(followed.events[0].data, "one");
    EXPECT_EQ(followed.events[1].data, "two");
    EXPECT_EQ(followed.events[1].id, "2");
    // The stall is noticed within the idle timeout plus libcurl's look at the clock (about a
    // second at worst) and a first backoff of at most 250 ms.
    EXPECT_LT(followed.took, std::chrono::seconds(3));
    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].last_event_id, "");
    EXPECT_EQ(seen[1].last_event_id, "1");
}

TEST(FollowStream, AnErrorEventIsNotShownAndTheStreamIsResumedAfterTheLastEvent) {
    StallingSseServer server(kMessagesPath,
                             {{sse_frame("1", "one") + sse_frame("", "{\"reason\":\"database unavailable\"}", "error") +
                                   sse_frame("2", "two"),
                               false},
                              {sse_frame("2", "two"), true}});
    const auto followed = follow(server, 2);
    ASSERT_EQ(followed.events.size(), 2u);
    EXPECT_EQ(followed.events[0].data, "one");
    EXPECT_EQ(followed.events[1].data, "two");  // once: what followed the error came by the resume
    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[1].last_event_id, "1");
}

}  // namespace
}  // namespace ambient::cli
