// The runner's AG-UI server with a real event hub, on 127.0.0.1 and a free port: replay and
// follow on /events, resumption with Last-Event-ID, many readers, pings, the run stream of
// POST /, interrupt, health, and the proxy token on everything but /health.
#include "runner/agui/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "runner/agui/events.hpp"
#include "support/http_client.hpp"
#include "support/proxy_token_keys.hpp"

namespace ambient::runner::agui {
namespace {

using ambient::testing::HeaderPairs;
using ambient::testing::HttpClient;
using ambient::testing::SseEvent;
using ambient::testing::SseReader;
using nlohmann::json;
using runner::testing::jwks_of;
using runner::testing::ProxyTokenKeys;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kSession = "2abcdefghijklmnopqrstuvwxyz";

// The events of a finished SSE body.
std::vector<SseEvent> parse_sse(const std::string& body) {
    std::vector<SseEvent> out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto end = body.find("\n\n", pos);
        if (end == std::string::npos) end = body.size();
        SseEvent event;
        bool any = false;
        std::size_t line_start = pos;
        while (line_start < end) {
            auto nl = body.find('\n', line_start);
            if (nl == std::string::npos || nl > end) nl = end;
            const auto line = body.substr(line_start, nl - line_start);
            if (line.rfind("id: ", 0) == 0) event.id = line.substr(4), any = true;
            if (line.rfind("data: ", 0) == 0) event.data = line.substr(6), any = true;
            line_start = nl + 1;
        }
        if (any) out.push_back(event);
        pos = end + 2;
    }
    return out;
}

class AguiServerTest : public ::testing::Test {
protected:
    void SetUp() override { start(15000ms); }
    void start(std::chrono::milliseconds ping) {
        server_.reset();
        server_ = std::make_unique<Server>(ServerOptions{.host = "127.0.0.1", .port = 0, .ping_interval = ping},
                                           kSession, hub_, auth_, callbacks());
        server_->start();
    }
    RunCallbacks callbacks() {
        return {.on_run =
                    [this](std::int64_t seq, const std::string& requested) {
                        user_seq_ = seq;
                        requested_run_id_ = requested;
                        return on_run_ ? on_run_() : std::string("run-1");
                    },
                .on_interrupt = [this] { ++interrupts_; }};
    }
    std::string token(const std::string& session = kSession) const {
        return keys_.sign(ProxyTokenKeys::claims(session));
    }
    HttpClient client(bool with_token = true) const {
        HttpClient c("127.0.0.1", server_->port());
        if (with_token) c.set_bearer(token());
        return c;
    }
    SseReader events(HeaderPairs headers = {}, const std::string& thread = kSession) const {
        headers.emplace_back("Authorization", "Bearer " + token());
        return SseReader("127.0.0.1", server_->port(), "/events/" + thread, headers);
    }
    void publish_text(int n) {
        for (int i = 0; i < n; ++i)
            hub_.publish(text_message_content("m", std::to_string(i)));
    }

    ProxyTokenKeys keys_{"api-key"};
    ProxyAuth auth_{kSession, [this] { return jwks_of({&keys_}); }};
    EventHub hub_{4096};
    std::function<std::string()> on_run_;
    std::atomic<std::int64_t> user_seq_{0};
    std::string requested_run_id_;
    std::atomic<int> interrupts_{0};
    std::unique_ptr<Server> server_;
};

TEST_F(AguiServerTest, HealthIsOpenEverythingElseNeedsTheProxyToken) {
    const auto health = client(false).get("/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.json(), (json{{"status", "healthy"}, {"session_id", kSession}}));

    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"GET", std::string("/events/") + kSession}, {"POST", "/"}, {"POST", "/interrupt"}, {"GET", "/nowhere"}}) {
        const auto missing = client(false).request(method, path, method == "POST" ? "{}" : "");
        EXPECT_EQ(missing.status, 401) << method << " " << path;
        EXPECT_EQ(missing.json()["kind"], "Error");
        auto other = client(false);
        other.set_bearer(token("2zzzzzzzzzzzzzzzzzzzzzzzzzz"));
        EXPECT_EQ(other.request(method, path, method == "POST" ? "{}" : "").status, 401) << method << " " << path;
    }
    EXPECT_EQ(interrupts_, 0);
    EXPECT_EQ(client().get("/nowhere").status, 404);
}

TEST_F(AguiServerTest, TheThreadIsTheSession) {
    EXPECT_EQ(client().get("/events/2zzzzzzzzzzzzzzzzzzzzzzzzzz").status, 404);
}

TEST_F(AguiServerTest, ReplaysAfterLastEventIdThenFollowsLive) {
    publish_text(3);
    auto sse = events({{"Last-Event-ID", "1"}});
    ASSERT_EQ(sse.status(), 200);
    EXPECT_EQ(sse.response().header("Content-Type"), "text/event-stream");
    for (int id = 2; id <= 3; ++id) {
        auto e = sse.next(5s);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->id, std::to_string(id));
        EXPECT_EQ(json::parse(e->data)["type"], "TEXT_MESSAGE_CONTENT");
    }
    publish_text(2);
    for (int id = 4; id <= 5; ++id) {
        auto e = sse.next(5s);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->id, std::to_string(id));
    }
}

TEST_F(AguiServerTest, ANewReaderFollowsFromNow) {
    publish_text(3);
    auto sse = events();
    ASSERT_EQ(sse.status(), 200);
    publish_text(1);
    auto e = sse.next(5s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, "4");
}

// A reader that drops and comes back with its last id, again and again while events keep
// coming, ends up with every event exactly once and in order.
TEST_F(AguiServerTest, ReconnectingWithLastEventIdMissesNothingAndRepeatsNothing) {
    constexpr int kEvents = 300;
    std::thread publisher([this] {
        for (int i = 0; i < kEvents; ++i) {
            hub_.publish(text_message_content("m", std::to_string(i)));
            if (i % 10 == 0) std::this_thread::sleep_for(1ms);
        }
    });
    std::vector<std::uint64_t> seen;
    std::string last = "0";
    const auto deadline = Clock::now() + 30s;
    while (seen.size() < kEvents && Clock::now() < deadline) {
        auto sse = events({{"Last-Event-ID", last}});
        ASSERT_EQ(sse.status(), 200);
        for (int i = 0; i < 37 && seen.size() < kEvents; ++i) {  // a few, then drop
            auto e = sse.next(5s);
            if (!e) break;
            seen.push_back(std::stoull(e->id));
            last = e->id;
        }
        sse.close();
    }
    publisher.join();
    ASSERT_EQ(seen.size(), static_cast<std::size_t>(kEvents));
    for (std::size_t i = 0; i < seen.size(); ++i)
        EXPECT_EQ(seen[i], i + 1);
}

TEST_F(AguiServerTest, ManyReadersEachSeeEveryEvent) {
    constexpr int kReaders = 16;
    constexpr int kEvents = 40;
    std::vector<SseReader> readers;
    for (int i = 0; i < kReaders; ++i) {
        readers.push_back(events({{"Last-Event-ID", "0"}}));
        ASSERT_EQ(readers.back().status(), 200);
    }
    publish_text(kEvents);
    for (auto& r : readers) {
        for (int id = 1; id <= kEvents; ++id) {
            auto e = r.next(5s);
            ASSERT_TRUE(e);
            EXPECT_EQ(e->id, std::to_string(id));
        }
    }
}

TEST_F(AguiServerTest, AQuietStreamGetsPings) {
    start(200ms);
    auto sse = events();
    ASSERT_EQ(sse.status(), 200);
    const auto deadline = Clock::now() + 10s;
    while (sse.comments() < 2 && Clock::now() < deadline)
        sse.next(100ms);
    EXPECT_GE(sse.comments(), 2u);
    EXPECT_FALSE(sse.ended());
}

TEST_F(AguiServerTest, ClosingTheHubEndsEveryStream) {
    auto a = events();
    auto b = events({{"Last-Event-ID", "0"}});
    hub_.publish(run_finished(kSession, "run-0", json::object()));
    hub_.close();
    for (auto* sse : {&a, &b}) {
        const auto deadline = Clock::now() + 10s;
        while (!sse->ended() && Clock::now() < deadline)
            sse->next(100ms);
        EXPECT_TRUE(sse->ended());
    }
}

TEST_F(AguiServerTest, RunStreamsFromTheCallToItsOwnEnd) {
    hub_.publish(run_started(kSession, "earlier"));  // before the call: not part of the answer
    std::thread turn;
    on_run_ = [&] {
        // The turn starts at once, on its own thread, and finishes before anyone reads.
        turn = std::thread([this] {
            hub_.publish(run_started(kSession, "run-7"));
            hub_.publish(text_message_content("m", "hello"));
            hub_.publish(run_finished(kSession, "another-run", json::object()));
            hub_.publish(run_finished(kSession, "run-7", json::object()));
            hub_.publish(run_started(kSession, "run-8"));
        });
        return std::string("run-7");
    };
    const json input = {{"threadId", kSession},
                        {"runId", "wanted"},
                        {"messages", {{{"id", "u1"}, {"role", "user"}, {"content", "hi"}}}}};
    const auto r = client().post("/", input.dump(), {{"X-Ambient-User-Message-Seq", "7"}});
    turn.join();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "text/event-stream");
    EXPECT_EQ(user_seq_, 7);
    EXPECT_EQ(requested_run_id_, "wanted");
    const auto got = parse_sse(r.body);
    std::vector<std::string> types;
    for (const auto& e : got)
        types.push_back(json::parse(e.data)["type"]);
    EXPECT_EQ(types, (std::vector<std::string>{"RUN_STARTED", "TEXT_MESSAGE_CONTENT", "RUN_FINISHED", "RUN_FINISHED"}));
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got.front().id, "2");
    EXPECT_EQ(json::parse(got.back().data)["runId"], "run-7");
}

TEST_F(AguiServerTest, ARunErrorEndsTheRunStream) {
    on_run_ = [&] {
        hub_.publish(run_error(kSession, "run-9", "the agent failed"));
        return std::string("run-9");
    };
    const auto r = client().post("/", R"({"messages":[]})", {{"X-Ambient-User-Message-Seq", "3"}});
    ASSERT_EQ(r.status, 200);
    const auto got = parse_sse(r.body);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(json::parse(got[0].data)["type"], "RUN_ERROR");
}

TEST_F(AguiServerTest, RunNeedsTheUserMessageSeqAndAnInputObject) {
    EXPECT_EQ(client().post("/", R"({"messages":[]})").status, 400);
    EXPECT_EQ(client().post("/", R"({"messages":[]})", {{"X-Ambient-User-Message-Seq", "x"}}).status, 400);
    EXPECT_EQ(client().post("/", R"({"messages":[]})", {{"X-Ambient-User-Message-Seq", "0"}}).status, 400);
    EXPECT_EQ(client().post("/", "[1]", {{"X-Ambient-User-Message-Seq", "3"}}).status, 400);
    EXPECT_EQ(client().post("/", R"({"messages":{}})", {{"X-Ambient-User-Message-Seq", "3"}}).status, 400);
    EXPECT_EQ(client().post("/", R"({"runId":5})", {{"X-Ambient-User-Message-Seq", "3"}}).status, 400);
    EXPECT_EQ(user_seq_, 0);
}

TEST_F(AguiServerTest, InterruptCallsBack) {
    const auto r = client().post("/interrupt", R"({"thread_id":"x"})");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), (json{{"message", "Interrupt signal sent"}}));
    EXPECT_EQ(interrupts_, 1);
}

TEST_F(AguiServerTest, StopEndsOpenStreamsPromptly) {
    auto sse = events();
    ASSERT_EQ(sse.status(), 200);
    const auto before = Clock::now();
    server_->stop();
    EXPECT_LT(Clock::now() - before, 5s);
    const auto deadline = Clock::now() + 5s;
    while (!sse.ended() && Clock::now() < deadline)
        sse.next(100ms);
    EXPECT_TRUE(sse.ended());
}

}  // namespace
}  // namespace ambient::runner::agui
