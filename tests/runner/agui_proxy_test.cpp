// The API server's side of the runner's AG-UI server: the real ambient-api-server proxies
// /events, /agui/events, /agui/run and /agui/interrupt to a runner AG-UI server (agui::Server
// in this process, fed by a hub the test publishes to), with a proxy token per request that
// the runner verifies against the API server's JWKS. Tokens that are not the API server's
// for this session are refused by the runner.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/jwt/base64url.hpp"
#include "integration/api_fixture.hpp"
#include "runner/agui/events.hpp"
#include "runner/agui/server.hpp"
#include "runner/api_client.hpp"
#include "runner/token_source.hpp"
#include "support/fake_runner.hpp"
#include "support/proxy_token_keys.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace agui = runner::agui;

constexpr const char* kApi = "/api/ambient/v1";

std::vector<SseEvent> parse_sse(const std::string& body) {
    std::vector<SseEvent> out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto end = body.find("\n\n", pos);
        if (end == std::string::npos) end = body.size();
        SseEvent event;
        bool any = false;
        for (std::size_t line = pos; line < end;) {
            auto nl = body.find('\n', line);
            if (nl == std::string::npos || nl > end) nl = end;
            const auto text = body.substr(line, nl - line);
            if (text.rfind("id: ", 0) == 0) event.id = text.substr(4), any = true;
            if (text.rfind("data: ", 0) == 0) event.data = text.substr(6), any = true;
            line = nl + 1;
        }
        if (any) out.push_back(event);
        pos = end + 2;
    }
    return out;
}

json claims_of(const std::string& jwt) {
    const auto first = jwt.find('.');
    const auto second = jwt.find('.', first + 1);
    return json::parse(jwt::base64url_decode(jwt.substr(first + 1, second - first - 1)).value());
}

class AguiProxy : public ::testing::Test {
protected:
    void SetUp() override {
        server_ = std::make_unique<ApiServer>(Backend::Sqlite);
        http_.emplace(server_->client());
        ASSERT_EQ(http().post(std::string(kApi) + "/projects", R"({"name":"proj"})").status, 201);
        id_ = create_session("s");
        backend_ = "http://" + server_->process().host() + ":" + std::to_string(server_->process().port());
        api_ = std::make_unique<runner::ApiClient>(backend_, id_, tokens_);
        auth_ = std::make_unique<agui::ProxyAuth>(id_, [this] { return api_->runner_jwks(); });
        runner_ = std::make_unique<agui::Server>(agui::ServerOptions{.host = "127.0.0.1", .port = 0}, id_, hub_, *auth_,
                                                 callbacks());
        runner_->start();
        set_runner(id_, runner_url());
    }
    void TearDown() override {
        hub_.close();
        runner_.reset();
        if (turn_.joinable()) turn_.join();
    }
    HttpClient& http() { return *http_; }
    std::string create_session(const std::string& name) {
        auto s = http().post(std::string(kApi) + "/sessions", json{{"name", name}, {"project_id", "proj"}}.dump());
        EXPECT_EQ(s.status, 201);
        return s.json()["id"];
    }
    void set_runner(const std::string& session, const std::string& url) {
        ASSERT_EQ(http()
                      .patch(std::string(kApi) + "/sessions/" + session + "/status", json{{"runner_url", url}}.dump())
                      .status,
                  200);
    }
    std::string runner_url() const { return "http://127.0.0.1:" + std::to_string(runner_->port()); }
    std::string path(const std::string& tail, const std::string& session = {}) const {
        return std::string(kApi) + "/sessions/" + (session.empty() ? id_ : session) + tail;
    }
    SseReader open(const std::string& tail, HeaderPairs headers = {}) {
        headers.emplace_back("Authorization", std::string("Bearer ") + kTestToken);
        return SseReader(server_->process().host(), server_->process().port(), path(tail), headers);
    }
    agui::RunCallbacks callbacks() {
        return {.on_run =
                    [this](std::int64_t seq, const std::string&) {
                        user_seq_ = seq;
                        const std::string run_id = "run-" + std::to_string(seq);
                        // The turn runs on its own thread, as the runner's turn loop does.
                        turn_ = std::thread([this, run_id] {
                            hub_.publish(agui::run_started(id_, run_id));
                            hub_.publish(agui::text_message_content("m1", "hello from the agent"));
                            hub_.publish(agui::run_finished(id_, run_id, json::object()));
                        });
                        return run_id;
                    },
                .on_interrupt = [this] { ++interrupts_; }};
    }
    // A token signed by a key of our own under the API server's kid: a forgery.
    std::string forged_token() {
        const auto jwks = server_->client(false).get(std::string(kApi) + "/runner_tokens/jwks").json();
        runner::testing::ProxyTokenKeys forger(jwks["keys"][0]["kid"]);
        return forger.sign(runner::testing::ProxyTokenKeys::claims(id_));
    }
    json messages() { return http().get(path("/messages")).json(); }

    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> http_;
    std::string id_;
    std::string backend_;
    runner::TokenSource tokens_{{}, "unused: the JWKS is public"};
    std::unique_ptr<runner::ApiClient> api_;
    std::unique_ptr<agui::ProxyAuth> auth_;
    agui::EventHub hub_;
    std::unique_ptr<agui::Server> runner_;
    std::thread turn_;
    std::atomic<std::int64_t> user_seq_{0};
    std::atomic<int> interrupts_{0};
};

TEST_F(AguiProxy, EventsAndAguiEventsReachTheRunner) {
    hub_.publish(agui::run_started(id_, "run-a"));
    hub_.publish(agui::text_message_content("m1", "one"));
    for (const auto* tail : {"/events", "/agui/events"}) {
        auto sse = open(tail, {{"Last-Event-ID", "0"}});
        ASSERT_EQ(sse.status(), 200) << tail << ": " << sse.response().body;
        for (int id = 1; id <= 2; ++id) {
            auto e = sse.next(10s);
            ASSERT_TRUE(e) << tail;
            EXPECT_EQ(e->id, std::to_string(id));
        }
    }
    // Live, and resumed after the last id seen.
    auto sse = open("/agui/events", {{"Last-Event-ID", "2"}});
    ASSERT_EQ(sse.status(), 200);
    hub_.publish(agui::text_message_content("m1", "two"));
    auto e = sse.next(10s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, "3");
    EXPECT_EQ(json::parse(e->data)["delta"], "two");
}

// Through the API server: a reader that drops and comes back with Last-Event-ID while events
// keep coming gets every event once, in order.
TEST_F(AguiProxy, AReaderThatReconnectsMissesNothingAndSeesNothingTwice) {
    constexpr std::uint64_t kEvents = 120;
    std::thread publisher([this] {
        for (std::uint64_t i = 0; i < kEvents; ++i) {
            hub_.publish(agui::text_message_content("m1", std::to_string(i)));
            if (i % 5 == 0) std::this_thread::sleep_for(2ms);
        }
    });
    std::vector<std::uint64_t> seen;
    std::string last = "0";
    const auto deadline = Clock::now() + 60s;
    while (seen.size() < kEvents && Clock::now() < deadline) {
        auto sse = open("/events", {{"Last-Event-ID", last}});
        ASSERT_EQ(sse.status(), 200) << sse.response().body;
        for (int i = 0; i < 25 && seen.size() < kEvents; ++i) {
            auto e = sse.next(10s);
            if (!e) break;
            seen.push_back(std::stoull(e->id));
            last = e->id;
        }
        sse.close();
    }
    publisher.join();
    ASSERT_EQ(seen.size(), kEvents);
    for (std::size_t i = 0; i < seen.size(); ++i)
        EXPECT_EQ(seen[i], i + 1);
}

TEST_F(AguiProxy, TheRunnerRefusesAnythingButTheApiServersTokenForItsSession) {
    HttpClient direct("127.0.0.1", runner_->port());
    EXPECT_EQ(direct.get("/health").status, 200);
    const auto events = "/events/" + id_;
    EXPECT_EQ(direct.get(events).status, 401);  // no token
    direct.set_bearer(kTestToken);              // the API server's service token is no proxy token
    EXPECT_EQ(direct.get(events).status, 401);
    direct.set_bearer(forged_token());
    EXPECT_EQ(direct.get(events).status, 401);
    EXPECT_EQ(direct.post("/interrupt", "{}").status, 401);

    // A runner token (audience ambient-runner), even of this very session, is not one.
    ASSERT_EQ(http().post(path("/start"), "").status, 200);
    set_runner(id_, runner_url());
    const auto minted = http().post(path("/runner_token"), "");
    ASSERT_EQ(minted.status, 200) << minted.body;
    direct.set_bearer(minted.json()["token"]);
    EXPECT_EQ(direct.get(events).status, 401);
    EXPECT_EQ(direct.post("/interrupt", "{}").status, 401);

    // Another session's proxy token: a session whose runner_url points at this runner.
    const auto other = create_session("other");
    set_runner(other, runner_url());
    auto r = http().get(path("/events", other));
    EXPECT_EQ(r.status, 502);
    EXPECT_EQ(r.json()["reason"], "runner answered 401");
    r = http().post(path("/agui/interrupt", other), "{}");
    EXPECT_EQ(r.status, 502);
    EXPECT_EQ(r.json()["reason"], "runner answered 401");
    EXPECT_EQ(interrupts_, 0);
}

TEST_F(AguiProxy, TheProxyTokenIsShortLivedForOneSessionAndNoRunnerToken) {
    FakeRunner fake(id_, 1, 10ms);
    set_runner(id_, fake.url());
    auto sse = open("/events");
    ASSERT_EQ(sse.status(), 200);
    ASSERT_TRUE(sse.next(10s));
    const auto header = fake.authorization();
    ASSERT_EQ(header.rfind("Bearer ", 0), 0u);
    const auto token = header.substr(7);
    const auto claims = claims_of(token);
    EXPECT_EQ(claims["aud"], "ambient-runner-proxy");
    EXPECT_EQ(claims["session_id"], id_);
    EXPECT_LE(claims["exp"].get<std::int64_t>() - claims["iat"].get<std::int64_t>(), 60);
    // Presented to the API server as if it were a runner token: refused.
    auto as_runner = server_->client(false);
    as_runner.set_bearer(token);
    EXPECT_EQ(as_runner.get(path("")).status, 401);
    EXPECT_EQ(as_runner.get(path("/messages")).status, 401);
}

TEST_F(AguiProxy, RunWritesTheUserMessageAndRelaysTheRun) {
    const json input = {{"threadId", id_},
                        {"runId", "client-run"},
                        {"messages",
                         {{{"id", "a1"}, {"role", "assistant"}, {"content", "earlier"}},
                          {{"id", "u1"}, {"role", "user"}, {"content", "first question"}},
                          {{"id", "u2"}, {"role", "user"}, {"content", "please do the thing"}}}}};
    auto r = http().post(path("/agui/run"), input.dump(), {{"Accept", "text/event-stream"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "text/event-stream");
    const auto events = parse_sse(r.body);
    std::vector<std::string> types;
    for (const auto& e : events)
        types.push_back(json::parse(e.data)["type"]);
    EXPECT_EQ(types, (std::vector<std::string>{"RUN_STARTED", "TEXT_MESSAGE_CONTENT", "RUN_FINISHED"}));

    // The session holds the last user message, with the seq the runner was given.
    const auto stored = messages();
    ASSERT_EQ(stored.size(), 1u) << stored.dump();
    EXPECT_EQ(stored[0]["event_type"], "user");
    EXPECT_EQ(stored[0]["payload"], "please do the thing");
    EXPECT_EQ(stored[0]["seq"].get<std::int64_t>(), user_seq_.load());
    EXPECT_EQ(json::parse(events.back().data)["runId"], "run-" + std::to_string(user_seq_.load()));
}

TEST_F(AguiProxy, RunWithoutAUserMessageIs400AndWritesNothing) {
    for (const auto* body : {R"({"messages":[]})", R"({"messages":[{"role":"assistant","content":"x"}]})",
                             R"({"messages":[{"role":"user","content":""}]})", R"([1,2])"}) {
        const auto r = http().post(path("/agui/run"), body);
        EXPECT_EQ(r.status, 400) << body;
        EXPECT_EQ(r.json()["kind"], "Error");
    }
    EXPECT_EQ(messages().size(), 0u);
    EXPECT_EQ(user_seq_, 0);
}

TEST_F(AguiProxy, RunWithNoRunnerIs502AndWritesNothing) {
    set_runner(id_, "");
    const auto r = http().post(path("/agui/run"), R"({"messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(r.status, 502);
    EXPECT_EQ(r.json()["reason"], "session has no runner");
    EXPECT_EQ(messages().size(), 0u);
}

TEST_F(AguiProxy, RunTakesTheTextPartsOfAContentArray) {
    const json input = {
        {"messages",
         {{{"role", "user"},
           {"content", {{{"type", "text"}, {"text", "part one"}}, {{"type", "text"}, {"text", "two"}}}}}}}};
    const auto r = http().post(path("/agui/run"), input.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    const auto stored = messages();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0]["payload"], "part one\ntwo");
}

TEST_F(AguiProxy, InterruptReachesTheRunner) {
    const auto r = http().post(path("/agui/interrupt"), "");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["message"], "Interrupt signal sent");
    EXPECT_EQ(interrupts_, 1);
}

TEST_F(AguiProxy, UnknownSessionIs404AndAnonymousIs401) {
    const std::string unknown = "2zzzzzzzzzzzzzzzzzzzzzzzzzz";
    EXPECT_EQ(http().post(path("/agui/run", unknown), R"({"messages":[{"role":"user","content":"x"}]})").status, 404);
    EXPECT_EQ(http().post(path("/agui/interrupt", unknown), "").status, 404);
    EXPECT_EQ(http().get(path("/agui/events", unknown)).status, 404);
    auto anonymous = server_->client(false);
    EXPECT_EQ(anonymous.post(path("/agui/run"), R"({"messages":[{"role":"user","content":"x"}]})").status, 401);
    EXPECT_EQ(anonymous.post(path("/agui/interrupt"), "").status, 401);
    EXPECT_EQ(interrupts_, 0);
}

TEST_F(AguiProxy, EveryAguiRouteIsInTheOpenApiDocument) {
    const auto doc = http().get(std::string(kApi) + "/openapi").json();
    const std::string base = std::string(kApi) + "/sessions/{id}/agui";
    EXPECT_TRUE(doc["paths"][base + "/events"].contains("get"));
    EXPECT_TRUE(doc["paths"][base + "/run"].contains("post"));
    EXPECT_EQ(doc["paths"][base + "/run"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
              "#/components/schemas/RunAgentInput");
    EXPECT_TRUE(doc["paths"][base + "/interrupt"].contains("post"));
}

}  // namespace
}  // namespace ambient::testing
