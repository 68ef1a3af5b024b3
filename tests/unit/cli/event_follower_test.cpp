// The SSE parser the follow commands read streams with: events split anywhere, comments,
// CRLF, multi-line data, and the rule that an unfinished event is never handed out.
#include "cli/event_follower.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ambient::cli
