// GET /sessions/{id}/events: the streaming proxy to the session's runner. A fake runner
// (support/fake_runner.hpp) runs in the test process and records what it was asked and when
// it sent each event.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "integration/api_fixture.hpp"
#include "support/fake_runner.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A port on which nothing listens (bound, read, released).
std::uint16_t closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

class EventsProxy : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        ASSERT_EQ(http().post("/api/ambient/v1/projects", R"({"name":"proj"})").status, 201);
        auto s = http().post("/api/ambient/v1/sessions", R"({"name":"s","project_id":"proj"})");
        ASSERT_EQ(s.status, 201);
        id_ = s.json()["id"];
        path_ = "/api/ambient/v1/sessions/" + id_ + "/events";
    }
    void set_runner(const std::string& url) {
        ASSERT_EQ(http().patch("/api/ambient/v1/sessions/" + id_ + "/status", json{{"runner_url", url}}.dump()).status,
                  200);
    }
    SseReader open(HeaderPairs headers = {}) {
        headers.emplace_back("Authorization", std::string("Bearer ") + kTestToken);
        return SseReader(server_->process().host(), server_->process().port(), path_, headers);
    }
    void expect_json_error(const HttpResult& r, int status, const std::string& reason) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(r.header("Content-Type").rfind("application/json", 0), 0u);
        const auto body = r.json();
        EXPECT_EQ(body["kind"], "Error");
        EXPECT_EQ(body["reason"], reason);
    }
    std::string id_;
    std::string path_;
};

TEST_P(EventsProxy, UnknownSessionIs404Json) {
    auto r = http().get("/api/ambient/v1/sessions/unknown/events");
    expect_json_error(r, 404, "Session with id='unknown' not found");
    r = http().get("/api/ambient/v1/sessions/2zzzzzzzzzzzzzzzzzzzzzzzzzz/events");
    expect_json_error(r, 404, "Session with id='2zzzzzzzzzzzzzzzzzzzzzzzzzz' not found");
    EXPECT_EQ(server_->client(false).get(path_).status, 401);
}

TEST_P(EventsProxy, NoRunnerOrAnUnusableOneIs502Json) {
    expect_json_error(http().get(path_), 502, "session has no runner");
    set_runner("http://127.0.0.1:" + std::to_string(closed_port()));
    expect_json_error(http().get(path_), 502, "runner not reachable");
    // Refused when written (security/ssrf_test), and when an older server stored it.
    auto db = server_->open_database();
    db->acquire()->exec("UPDATE sessions SET runner_url = ? WHERE id = ?",
                        {std::string("ftp://runner.example:8001"), id_});
    expect_json_error(http().get(path_), 502, "session's runner_url is not usable");

    FakeRunner refusing("some-other-session", 1, 10ms, 503);
    set_runner(refusing.url());
    expect_json_error(http().get(path_), 502, "runner answered 503");
}

TEST_P(EventsProxy, EventsArriveInOrderAndLastEventIdIsForwarded) {
    FakeRunner runner(id_, 5, 100ms);
    set_runner(runner.url() + "/");
    auto sse = open({{"Last-Event-ID", "7"}});
    ASSERT_EQ(sse.status(), 200) << sse.response().body;
    EXPECT_EQ(sse.response().header("Content-Type"), "text/event-stream");
    EXPECT_EQ(sse.response().header("Cache-Control"), "no-cache");
    for (int n = 8; n <= 12; ++n) {
        auto event = sse.next(5s);
        ASSERT_TRUE(event) << "event " << n;
        EXPECT_EQ(event->id, std::to_string(n));
        EXPECT_EQ(json::parse(event->data)["n"], n);
    }
    EXPECT_FALSE(sse.next(5s));
    EXPECT_TRUE(sse.ended());  // the runner ended, so did the proxy
    EXPECT_EQ(runner.last_event_id(), "7");
    EXPECT_EQ(runner.accept(), "text/event-stream");
}

TEST_P(EventsProxy, ClientLeavingClosesTheRunnerStream) {
    FakeRunner runner(id_, -1, 100ms);
    set_runner(runner.url());
    {
        auto sse = open();
        ASSERT_EQ(sse.status(), 200);
        ASSERT_TRUE(sse.next(5s));
        ASSERT_TRUE(sse.next(5s));
        sse.close();
    }
    const auto deadline = Clock::now() + 10s;
    while (!runner.client_gone() && Clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    EXPECT_TRUE(runner.client_gone());
}

INSTANTIATE_TEST_SUITE_P(Backends, EventsProxy, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

// The issue's acceptance case: a runner that streams slowly for 60 s, and every event
// arrives as it was sent — not cut by a server timeout, not held back until the end. The
// database plays no part after the session lookup, so this runs on SQLite only.
class SlowEventsProxy : public EventsProxy {};

TEST_P(SlowEventsProxy, SixtySecondsOfSlowEventsArriveAsSent) {
    constexpr int kEvents = 13;
    FakeRunner runner(id_, kEvents, 5s);
    set_runner(runner.url());
    auto sse = open();
    ASSERT_EQ(sse.status(), 200);
    for (int i = 0; i < kEvents; ++i) {
        auto event = sse.next(15s);
        const auto received = Clock::now();
        ASSERT_TRUE(event) << "event " << i + 1 << " did not arrive";
        EXPECT_EQ(event->id, std::to_string(i + 1));
        EXPECT_EQ(json::parse(event->data)["n"], i + 1);
        const auto delay = received - runner.sent_at(static_cast<std::size_t>(i));
        EXPECT_LT(delay, 2s) << "event " << i + 1 << " was held back";
    }
    EXPECT_FALSE(sse.next(10s));
    EXPECT_TRUE(sse.ended());
}

// A runner that says nothing for a while: the proxy sends `: ping` comments meanwhile (how
// it notices a client that left), and the event still comes through whole.
TEST_P(SlowEventsProxy, AQuietRunnerGetsPingsBetweenEvents) {
    FakeRunner runner(id_, 1, 20s);
    set_runner(runner.url());
    auto sse = open();
    ASSERT_EQ(sse.status(), 200);
    auto event = sse.next(30s);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, "1");
    EXPECT_GE(sse.comments(), 1u);
}

// A runner silent for three of its 15 s ping intervals is stuck (or the connection to it is
// half-open): the proxy ends the stream rather than cover for it with pings of its own for
// ever, so the client resumes with Last-Event-ID (docs/operations.md, "Streams that stall").
TEST_P(SlowEventsProxy, AStuckRunnerEndsTheStreamSoTheClientResumes) {
    FakeRunner runner(id_, 1, 90s);  // the fake sends no pings: its first event would come at 90 s
    set_runner(runner.url());
    const auto opened = Clock::now();
    auto sse = open();
    ASSERT_EQ(sse.status(), 200);
    EXPECT_FALSE(sse.next(60s));
    EXPECT_TRUE(sse.ended());
    const auto took = Clock::now() - opened;
    EXPECT_GE(took, 44s);
    EXPECT_LT(took, 50s);
    EXPECT_GE(sse.comments(), 2u);  // the proxy's own pings, at 15 s and 30 s
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SlowEventsProxy, ::testing::Values(Backend::Sqlite), backend_name);

}  // namespace
}  // namespace ambient::testing
