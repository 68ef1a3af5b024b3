// The watch stream's frames as the reconciler gets them: each change kind, and the frames that
// drop the stream because nothing after them can be trusted.
#include "controlplane/watch_event.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace ambient::controlplane {
namespace {

TEST(DecodeWatchFrame, EachChangeKind) {
    const auto updated = decode_watch_frame(
        Resource::Projects, R"({"type":"UPDATED","resource_id":"p1","object":{"id":"p1","name":"demo"}})", "42");
    EXPECT_EQ(updated.resource, Resource::Projects);
    EXPECT_EQ(updated.type, WatchEventType::Modified);
    EXPECT_EQ(updated.id, "p1");
    EXPECT_EQ(updated.event_id, 42);
    EXPECT_EQ(updated.object["name"], "demo");

    EXPECT_EQ(decode_watch_frame(Resource::Sessions, R"({"type":"CREATED","resource_id":"s","object":{}})", "1").type,
              WatchEventType::Added);
    const auto deleted = decode_watch_frame(Resource::Sessions, R"({"type":"DELETED","resource_id":"s"})", "2");
    EXPECT_EQ(deleted.type, WatchEventType::Deleted);
    EXPECT_TRUE(deleted.object.is_null());
}

TEST(DecodeWatchFrame, MalformedFramesAreInvalidArguments) {
    struct Case {
        std::string data;
        std::string id;
    };
    const std::vector<Case> cases = {
        {"not json", "1"},
        {"[1]", "1"},
        {R"({"type":"RENAMED","resource_id":"s","object":{}})", "1"},
        {R"({"type":7,"resource_id":"s","object":{}})", "1"},
        {R"({"type":"UPDATED","resource_id":"s","object":{}})", ""},
        {R"({"type":"UPDATED","resource_id":"s","object":{}})", "0"},
        {R"({"type":"UPDATED","resource_id":"s","object":{}})", "-3"},
        {R"({"type":"UPDATED","resource_id":"s","object":{}})", "12x"},
        {R"({"type":"UPDATED","resource_id":"s","object":{}})", "99999999999999999999"},
        {R"({"type":"UPDATED","object":{}})", "1"},
        {R"({"type":"UPDATED","resource_id":5,"object":{}})", "1"},
        {R"({"type":"UPDATED","resource_id":"","object":{}})", "1"},  // names no object
        {R"({"type":"UPDATED","resource_id":"s"})", "1"},
    };
    for (const auto& c : cases)
        EXPECT_THROW(decode_watch_frame(Resource::Sessions, c.data, c.id), std::invalid_argument)
            << c.data << " id " << c.id;
}

}  // namespace
}  // namespace ambient::controlplane
