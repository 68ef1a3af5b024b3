// Watch streams (?watch=true) on both databases: event order and content, resuming by event
// id, RESYNC after pruning, project scoping, and, on PostgreSQL, a change made through one
// server reaching a watcher on another.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/time.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kEventDeadline = 5s;
// How long a test waits to be sure that nothing more arrives.
constexpr auto kQuietPeriod = 300ms;

const std::string kBase = "/api/ambient/v1";

struct WatchEvent {
    std::int64_t id = 0;
    std::string type;
    std::string resource_id;
    json object;  // null when absent
};

SseReader open_watch(ApiServer& server, const std::string& target, HeaderPairs headers = {}) {
    headers.emplace_back("Authorization", std::string("Bearer ") + kTestToken);
    return SseReader(server.process().host(), server.process().port(), kBase + target, headers);
}

// The next change event; fails the test on a timeout or a frame that is not one.
WatchEvent next_change(SseReader& sse, std::chrono::milliseconds deadline = kEventDeadline) {
    auto e = sse.next(deadline);
    if (!e) {
        ADD_FAILURE() << "no event within the deadline";
        return {};
    }
    if (!e->event.empty()) {
        ADD_FAILURE() << "expected a change, got an event of type " << e->event;
        return {};
    }
    const auto data = json::parse(e->data);
    WatchEvent out{std::stoll(e->id), data.at("type"), data.at("resource_id"), nullptr};
    if (data.contains("object")) out.object = data["object"];
    return out;
}

class Watch : public ApiTest {
protected:
    HttpResult post(const std::string& path, const json& body, HttpClient* client = nullptr) {
        return (client ? *client : http()).post(kBase + path, body.dump());
    }
    void create_project(const std::string& name, HttpClient* client = nullptr) {
        ASSERT_EQ(post("/projects", {{"name", name}}, client).status, 201);
    }
    SseReader watch(const std::string& target, HeaderPairs headers = {}) {
        return open_watch(*server_, target, std::move(headers));
    }
};

TEST_P(Watch, ProjectChangesArriveInOrderWithTheObjectOfTheirTime) {
    auto sse = watch("/projects?watch=true");
    ASSERT_EQ(sse.status(), 200);
    EXPECT_EQ(sse.response().header("Content-Type"), "text/event-stream");
    EXPECT_EQ(sse.response().header("Cache-Control"), "no-cache");

    create_project("alpha");
    ASSERT_EQ(http().patch(kBase + "/projects/alpha", R"({"description":"first"})").status, 200);
    ASSERT_EQ(http().patch(kBase + "/projects/alpha", R"({"description":"second"})").status, 200);

    const auto created = next_change(sse);
    EXPECT_EQ(created.type, "CREATED");
    EXPECT_EQ(created.resource_id, "alpha");
    EXPECT_EQ(created.object["name"], "alpha");
    EXPECT_EQ(created.object["kind"], "Project");
    EXPECT_FALSE(created.object.contains("description"));

    // Each update carries the object as it was then, not as it is now.
    const auto first = next_change(sse);
    EXPECT_EQ(first.type, "UPDATED");
    EXPECT_EQ(first.object["description"], "first");
    const auto second = next_change(sse);
    EXPECT_EQ(second.type, "UPDATED");
    EXPECT_EQ(second.object["description"], "second");

    // (Deleted only now: a deletion removes the object's fields from the history, so a
    // watcher that had not read them by then gets the DELETED alone.)
    ASSERT_EQ(http().del(kBase + "/projects/alpha").status, 204);
    const auto deleted = next_change(sse);
    EXPECT_EQ(deleted.type, "DELETED");
    EXPECT_EQ(deleted.resource_id, "alpha");
    EXPECT_TRUE(deleted.object.is_null());

    EXPECT_LT(created.id, first.id);
    EXPECT_LT(first.id, second.id);
    EXPECT_LT(second.id, deleted.id);
}

TEST_P(Watch, WithoutAResumeIdTheStreamStartsAtTheCurrentEnd) {
    create_project("before");
    auto sse = watch("/projects?watch=true");
    create_project("after");
    EXPECT_EQ(next_change(sse).resource_id, "after");
}

TEST_P(Watch, AReconnectingReaderSeesEveryEventExactlyOnce) {
    auto sse = watch("/projects?watch=true");
    for (const char* name : {"p-one", "p-two", "p-three"})
        create_project(name);
    const auto first = next_change(sse);
    ASSERT_EQ(first.resource_id, "p-one");
    sse.close();  // mid-stream: two events sent or queued, unread

    // Written while nobody watches.
    create_project("p-four");
    ASSERT_EQ(http().patch(kBase + "/projects/p-one", R"({"description":"changed"})").status, 200);
    ASSERT_EQ(http().del(kBase + "/projects/p-two").status, 204);

    auto resumed = watch("/projects?watch=true", {{"Last-Event-ID", std::to_string(first.id)}});
    ASSERT_EQ(resumed.status(), 200);
    // p-two was deleted meanwhile: its creation is not replayed (its fields left the
    // history with it), its deletion is.
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"CREATED", "p-three"}, {"CREATED", "p-four"}, {"UPDATED", "p-one"}, {"DELETED", "p-two"}};
    std::vector<std::pair<std::string, std::string>> seen;
    std::int64_t last = first.id;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto e = next_change(resumed);
        EXPECT_GT(e.id, last);
        last = e.id;
        seen.emplace_back(e.type, e.resource_id);
    }
    EXPECT_EQ(seen, expected);
    // Then live, and nothing twice.
    create_project("p-five");
    const auto live = next_change(resumed);
    EXPECT_EQ(live.resource_id, "p-five");
    EXPECT_GT(live.id, last);
    EXPECT_FALSE(resumed.next(kQuietPeriod)) << "an event arrived twice";
}

TEST_P(Watch, ResumeReplaysThenFollowsLiveWithoutDuplicates) {
    auto sse = watch("/projects?watch=true");
    create_project("r-one");
    create_project("r-two");
    const auto one = next_change(sse);
    const auto two = next_change(sse);
    sse.close();

    // The query parameter works like the header.
    auto resumed = watch("/projects?watch=true&after_event_id=" + std::to_string(one.id));
    const auto replayed = next_change(resumed);
    EXPECT_EQ(replayed.id, two.id);
    EXPECT_EQ(replayed.resource_id, "r-two");
    create_project("r-three");
    const auto live = next_change(resumed);
    EXPECT_EQ(live.resource_id, "r-three");
    EXPECT_GT(live.id, two.id);
    EXPECT_FALSE(resumed.next(kQuietPeriod)) << "an event arrived twice";

    // Last-Event-ID wins over after_event_id (EventSource sends it on its reconnects).
    auto both = watch("/projects?watch=true&after_event_id=0", {{"Last-Event-ID", std::to_string(two.id)}});
    EXPECT_EQ(next_change(both).resource_id, "r-three");
}

TEST_P(Watch, OtherKindsEventsDoNotAppear) {
    auto sse = watch("/projects?watch=true");
    create_project("home");
    ASSERT_EQ(post("/project_settings", {{"project_id", "home"}}).status, 201);
    ASSERT_EQ(post("/users", {{"username", "watcher"}, {"name", "Watcher"}}).status, 201);
    create_project("away");
    EXPECT_EQ(next_change(sse).resource_id, "home");
    EXPECT_EQ(next_change(sse).resource_id, "away");

    auto settings = watch("/project_settings?watch=true");
    create_project("third");
    ASSERT_EQ(post("/project_settings", {{"project_id", "third"}}).status, 201);
    const auto e = next_change(settings);
    EXPECT_EQ(e.type, "CREATED");
    EXPECT_EQ(e.object["kind"], "ProjectSettings");
    EXPECT_EQ(e.object["project_id"], "third");
}

TEST_P(Watch, ProjectSettingsWatchIsScopedByProject) {
    create_project("mine");
    create_project("theirs");
    auto by_query = watch("/project_settings?watch=true&project_id=mine");
    auto by_header = watch("/project_settings?watch=true", {{"X-Ambient-Project", "mine"}});

    // Each change is read before the next is made: a delete seals the object's earlier events
    // (only its DELETED replays), so a watcher that has not read them yet would not get them.
    auto theirs = post("/project_settings", {{"project_id", "theirs"}});
    ASSERT_EQ(theirs.status, 201);
    auto mine = post("/project_settings", {{"project_id", "mine"}});
    ASSERT_EQ(mine.status, 201);
    const std::string mine_id = mine.json()["id"];
    const std::string theirs_id = theirs.json()["id"];
    for (auto* sse : {&by_query, &by_header}) {
        const auto created = next_change(*sse);
        EXPECT_EQ(created.type, "CREATED");
        EXPECT_EQ(created.resource_id, mine_id);
    }
    ASSERT_EQ(http().patch(kBase + "/project_settings/" + theirs_id, R"({"repositories":"[]"})").status, 200);
    ASSERT_EQ(http().patch(kBase + "/project_settings/" + mine_id, R"({"repositories":"[]"})").status, 200);
    for (auto* sse : {&by_query, &by_header}) {
        const auto updated = next_change(*sse);
        EXPECT_EQ(updated.type, "UPDATED");
        EXPECT_EQ(updated.resource_id, mine_id);
    }
    ASSERT_EQ(http().del(kBase + "/project_settings/" + theirs_id).status, 204);
    ASSERT_EQ(http().del(kBase + "/project_settings/" + mine_id).status, 204);

    for (auto* sse : {&by_query, &by_header}) {
        // A delete carries no object; its project comes from the event row.
        const auto deleted = next_change(*sse);
        EXPECT_EQ(deleted.type, "DELETED");
        EXPECT_EQ(deleted.resource_id, mine_id);
        EXPECT_FALSE(sse->next(kQuietPeriod)) << "an event of another project arrived";
    }
}

TEST_P(Watch, BadParametersAreRejected) {
    EXPECT_EQ(http().get(kBase + "/projects?watch=maybe").status, 400);
    EXPECT_EQ(http().get(kBase + "/projects?watch=true&after_event_id=-1").status, 400);
    EXPECT_EQ(http().get(kBase + "/projects?watch=true&after_event_id=x").status, 400);
    EXPECT_EQ(http().get(kBase + "/projects?watch=true", {{"Last-Event-ID", "abc"}}).status, 400);
    EXPECT_EQ(http().get(kBase + "/projects?watch=true&search=name%3D'x'").status, 400);
    EXPECT_EQ(http().get(kBase + "/project_settings?watch=true&project_id=bad%20id").status, 400);
    // watch=false is an ordinary list.
    const auto list = http().get(kBase + "/projects?watch=false");
    EXPECT_EQ(list.status, 200);
    EXPECT_EQ(list.json()["kind"], "ProjectList");
}

TEST_P(Watch, AnIdOlderThanTheRetainedEventsGetsResyncThenLiveEvents) {
    ApiServer server(GetParam(), {"--event-retention-count", "3"});
    HttpClient client = server.client();
    for (int i = 0; i < 6; ++i)
        ASSERT_EQ(client.post(kBase + "/projects", json{{"name", "old-" + std::to_string(i)}}.dump()).status, 201);

    // Six events were written, three are kept: the first ones are gone.
    std::int64_t oldest = 0;
    {
        auto db = server.open_database();
        auto lease = db->acquire();
        const auto bounds = lease->exec("SELECT MIN(id), COUNT(*) FROM events");
        oldest = std::get<std::int64_t>(bounds.rows[0][0]);
        EXPECT_EQ(std::get<std::int64_t>(bounds.rows[0][1]), 3);
    }

    // An id just before the oldest retained event misses nothing: no RESYNC.
    auto fresh = open_watch(server, "/projects?watch=true", {{"Last-Event-ID", std::to_string(oldest - 1)}});
    const auto first = next_change(fresh);
    EXPECT_EQ(first.id, oldest);

    auto stale = open_watch(server, "/projects?watch=true", {{"Last-Event-ID", std::to_string(oldest - 2)}});
    ASSERT_EQ(stale.status(), 200);
    const auto resync = stale.next(kEventDeadline);
    ASSERT_TRUE(resync);
    EXPECT_EQ(resync->event, "RESYNC");
    EXPECT_TRUE(resync->id.empty());
    EXPECT_EQ(json::parse(resync->data), json({{"type", "RESYNC"}}));
    // Then live from the current end: none of the retained events, only new ones.
    ASSERT_EQ(client.post(kBase + "/projects", json{{"name", "new-one"}}.dump()).status, 201);
    EXPECT_EQ(next_change(stale).resource_id, "new-one");

    // An id from the future (another database) cannot be trusted either.
    auto future = open_watch(server, "/projects?watch=true&after_event_id=999999999");
    const auto e = future.next(kEventDeadline);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->event, "RESYNC");
}

TEST_P(Watch, EventsOlderThanTheRetentionAgeArePrunedAtStartButTheNewestStays) {
    ApiServer server(GetParam());
    HttpClient client = server.client();
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(client.post(kBase + "/projects", json{{"name", "aged-" + std::to_string(i)}}.dump()).status, 201);
    std::int64_t newest = 0;
    {
        // The history, as if written a month ago.
        auto db = server.open_database();
        auto lease = db->acquire();
        lease->exec("UPDATE events SET created_at = ?", {format_rfc3339(std::chrono::system_clock::now() - 30 * 24h)});
        newest = std::get<std::int64_t>(lease->exec("SELECT MAX(id) FROM events").rows[0][0]);
    }

    // A server started on that database with a week's retention prunes at once.
    ApiServer replica(SharedDatabase{server}, {"--event-retention-age", "7d"});
    {
        auto db = replica.open_database();
        auto lease = db->acquire();
        const auto left = lease->exec("SELECT MIN(id), COUNT(*) FROM events");
        EXPECT_EQ(std::get<std::int64_t>(left.rows[0][0]), newest);
        EXPECT_EQ(std::get<std::int64_t>(left.rows[0][1]), 1);
    }
    // A watcher resuming from before the pruned events is told to list again.
    auto stale = open_watch(replica, "/projects?watch=true", {{"Last-Event-ID", std::to_string(newest - 2)}});
    ASSERT_EQ(stale.status(), 200);
    const auto resync = stale.next(kEventDeadline);
    ASSERT_TRUE(resync);
    EXPECT_EQ(resync->event, "RESYNC");
}

INSTANTIATE_TEST_SUITE_P(Backends, Watch, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

// Two server processes on one PostgreSQL database: LISTEN/NOTIFY wakes the other's watchers.
TEST(WatchTwoServers, AChangeThroughOneServerReachesAWatcherOnTheOtherWithinASecond) {
    ApiServer a(Backend::Postgres);
    ApiServer b(SharedDatabase{a});
    HttpClient through_a = a.client();
    auto sse = open_watch(b, "/projects?watch=true");
    ASSERT_EQ(sse.status(), 200);
    // Several rounds; without a notification the watcher would only wake for its 30 s ping.
    for (int round = 0; round < 5; ++round) {
        const std::string name = "shared-" + std::to_string(round);
        ASSERT_EQ(through_a.post(kBase + "/projects", json{{"name", name}}.dump()).status, 201);
        const auto started = std::chrono::steady_clock::now();
        const auto e = next_change(sse, 1s);
        EXPECT_EQ(e.resource_id, name) << "round " << round;
        EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << "round " << round;
    }
}

}  // namespace
}  // namespace ambient::testing
