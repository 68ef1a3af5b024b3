// The real ambient-runner's AG-UI server behind the real API server: a session's live events
// reach a reader through /events, a reader that reconnects with Last-Event-ID misses nothing
// and sees nothing twice, /agui/run relays its run, and the runner answers nobody but the API
// server.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "runner/runner_fixture.hpp"
#include "support/http_client.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kApi = "/api/ambient/v1";

class AguiRunnerTest : public RunnerTest {
protected:
    void start_echo_runner() {
        start_runner({"RUNNER_TYPE=echo"});
        auto r = api().patch(
            std::string(kApi) + "/sessions/" + session_id() + "/status",
            json{{"phase", "Running"}, {"runner_url", "http://127.0.0.1:" + std::to_string(runner().port())}}.dump());
        ASSERT_EQ(r.status, 200) << r.body;
    }
    SseReader events(const std::string& last_event_id = {}) {
        HeaderPairs headers{{"Authorization", std::string("Bearer ") + kTestToken}};
        if (!last_event_id.empty()) headers.emplace_back("Last-Event-ID", last_event_id);
        SseReader reader("127.0.0.1", server().process().port(),
                         std::string(kApi) + "/sessions/" + session_id() + "/events", headers);
        EXPECT_EQ(reader.status(), 200) << reader.response().body;
        return reader;
    }
    // Events until (and with) the next RUN_FINISHED or RUN_ERROR.
    static std::vector<SseEvent> until_run_end(SseReader& reader) {
        std::vector<SseEvent> out;
        while (auto e = reader.next(std::chrono::seconds(20))) {
            out.push_back(*e);
            const auto type = json::parse(e->data).value("type", "");
            if (type == "RUN_FINISHED" || type == "RUN_ERROR") break;
        }
        return out;
    }
    static std::vector<std::string> types(const std::vector<SseEvent>& events) {
        std::vector<std::string> out;
        for (const auto& e : events)
            out.push_back(json::parse(e.data).value("type", ""));
        return out;
    }
};

TEST_F(AguiRunnerTest, LiveEventsReachTheReaderThroughTheApiServer) {
    start_echo_runner();
    auto reader = events();
    say("two words");
    const auto run = until_run_end(reader);
    // How the text is cut into deltas is the redactor's business (it holds back what could
    // start a secret); the sequence and the text are not.
    auto sequence = types(run);
    sequence.erase(std::unique(sequence.begin(), sequence.end()), sequence.end());
    EXPECT_EQ(sequence, (std::vector<std::string>{"RUN_STARTED", "TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT",
                                                  "TEXT_MESSAGE_END", "RUN_FINISHED"}));
    std::string text;
    for (const auto& e : run) {
        const auto event = json::parse(e.data);
        if (event["type"] == "TEXT_MESSAGE_CONTENT") text += event["delta"].get<std::string>();
    }
    EXPECT_EQ(text, "echo: two words");
    for (const auto& e : run) {
        EXPECT_FALSE(e.id.empty());
        EXPECT_EQ(json::parse(e.data)["threadId"], session_id());
    }
}

TEST_F(AguiRunnerTest, AReaderThatReconnectsWithLastEventIdMissesNothingAndSeesNothingTwice) {
    start_echo_runner();
    std::vector<std::string> ids;
    std::string last;
    {
        auto reader = events();
        const auto first = say("one");
        wait_for_turn(first);
        for (const auto& e : until_run_end(reader))
            ids.push_back(e.id);
        last = ids.back();
    }
    // While nobody reads, two more turns run.
    wait_for_turn(say("two"));
    wait_for_turn(say("three"));
    auto reader = events(last);
    auto second = until_run_end(reader);
    auto third = until_run_end(reader);
    for (const auto& e : second)
        ids.push_back(e.id);
    for (const auto& e : third)
        ids.push_back(e.id);
    // Consecutive ids: nothing missed, nothing repeated.
    for (std::size_t i = 1; i < ids.size(); ++i)
        EXPECT_EQ(std::stoull(ids[i]), std::stoull(ids[i - 1]) + 1);
    EXPECT_EQ(types(second).front(), "RUN_STARTED");
    EXPECT_EQ(types(third).back(), "RUN_FINISHED");
}

TEST_F(AguiRunnerTest, AguiRunWritesTheUserMessageAndRelaysItsRun) {
    start_echo_runner();
    const json input = {{"threadId", session_id()},
                        {"runId", "client-run-1"},
                        {"messages", json::array({{{"id", "m1"}, {"role", "user"}, {"content", "from the console"}}})}};
    auto r = api().post(std::string(kApi) + "/sessions/" + session_id() + "/agui/run", input.dump(),
                        {{"Accept", "text/event-stream"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("RUN_STARTED"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("echo: from the console"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("RUN_FINISHED"), std::string::npos) << r.body;
    auto all = wait_for_messages([](const auto& m) { return of_type(m, "assistant").size() == 1; });
    ASSERT_EQ(of_type(all, "user").size(), 1u);
    EXPECT_EQ(of_type(all, "user")[0].payload, "from the console");
    EXPECT_EQ(of_type(all, "assistant")[0].payload, "echo: from the console");
    // Run once, though the runner learned of it twice (its stream and the proxied request).
    wait_for_turn(of_type(all, "user")[0].seq);
    EXPECT_EQ(of_type(messages(), "assistant").size(), 1u);
}

TEST_F(AguiRunnerTest, TheRunnerRefusesEveryoneButTheApiServer) {
    start_echo_runner();
    HttpClient direct("127.0.0.1", runner().port());
    EXPECT_EQ(direct.get("/health").status, 200);
    EXPECT_EQ(direct.get("/events/" + session_id()).status, 401);
    direct.set_bearer(kTestToken);  // the service token is not the API server's signature
    EXPECT_EQ(direct.get("/events/" + session_id()).status, 401);
    direct.set_bearer(refresh_token());  // nor is the runner's own token
    EXPECT_EQ(direct.post("/interrupt", "{}").status, 401);
    direct.set_bearer("eyJhbGciOiJFUzI1NiJ9.eyJzZXNzaW9uX2lkIjoieCJ9.c2ln");
    EXPECT_EQ(direct.post("/", "{}").status, 401);
}

}  // namespace
}  // namespace ambient::testing
