// `acpctl get <kind> -w` against a fake watch stream that stalls: the watch drops the silent
// connection, resumes with Last-Event-ID and prints each change once.
#include "cli/watch.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "support/stalling_sse_server.hpp"

namespace ambient::cli {
namespace {

using testing::sse_frame;
using testing::StallingSseServer;

// A change frame's data, keys in the server's order, which is also how acpctl prints it.
std::string change(const std::string& type, const std::string& name) {
    return R"({"type":")" + type + R"(","resource_id":"p1","object":{"id":"p1","name":")" + name + R"("}})";
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

TEST(Watch, AStalledStreamIsResumedAfterTheLastChangeAndNothingIsPrintedTwice) {
    // The first stream delivers change 5 and goes silent without closing; the resumed one
    // carries change 6. The list is empty.
    StallingSseServer server("/api/ambient/v1/projects",
                             {{sse_frame("5", change("CREATED", "one")), /*stall=*/true},
                              {sse_frame("6", change("UPDATED", "two")), /*stall=*/true}},
                             R"({"kind":"ProjectList","page":1,"size":0,"total":0,"items":[]})");
    WatchOptions options;
    options.path = "/projects";
    options.plural = "projects";
    options.columns = {Column{"NAME", 10, [](const Json& o) { return o.value("name", ""); }}};
    options.json_lines = true;
    // A test-sized interval (a server pinging every 100 ms, silent for three of them); the
    // watch runs for its whole timeout, which leaves the stall (noticed within about a second
    // of the idle timeout) and the resume more than enough time.
    options.idle_timeout = std::chrono::milliseconds(300);
    options.timeout = std::chrono::seconds(4);
    std::ostringstream out;
    watch(Api(ApiOptions{.api_url = server.url(), .token = "t"}), options, out);

    EXPECT_EQ(lines_of(out.str()), (std::vector<std::string>{change("CREATED", "one"), change("UPDATED", "two")}));
    const auto seen = server.requests();
    ASSERT_GE(seen.size(), 2u);
    EXPECT_EQ(seen[0].last_event_id, "");
    EXPECT_EQ(seen[1].last_event_id, "5");
    if (seen.size() > 2) {
        EXPECT_EQ(seen[2].last_event_id, "6");
    }
}

}  // namespace
}  // namespace ambient::cli
