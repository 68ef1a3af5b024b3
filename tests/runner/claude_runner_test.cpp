// ambient-runner with the claude agent, end to end: the real ambient-api-server, the real
// ambient-runner and the real Claude Code CLI against the fake Anthropic API. The model runs
// `printenv GITHUB_TOKEN` with the granted credential, then answers: the AG-UI sequence read
// through the API server is exact, the conversation is in the session, the token is redacted
// everywhere, a second turn continues the conversation, a 500 from the API ends the turn in
// RUN_ERROR naming it, and SIGTERM mid-turn stops the CLI.
#include <algorithm>

#include "runner/config.hpp"
#include "runner/runner_fixture.hpp"
#include "support/fake_anthropic.hpp"
#include "support/http_client.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kToken = "ghp_EndToEndToken0123456789abcdefghijkl";
constexpr const char* kApi = "/api/ambient/v1";

class ClaudeRunnerTest : public RunnerTest {
protected:
    void start_claude_runner() {
        // The runner's default CLI (the project-local install), as the agent test finds it.
        const auto config = runner::load_config([](const char* name) -> std::optional<std::string> {
            if (std::string(name) == "SESSION_ID" || std::string(name) == "PROJECT_NAME") return "x";
            return std::nullopt;
        });
        ASSERT_TRUE(std::filesystem::exists(config.claude_cli))
            << "the Claude Code CLI is not at " << config.claude_cli << ": run scripts/install-deps";
        const auto credential = grant_github_credential(kToken);
        start_runner({"RUNNER_TYPE=claude", "LLM_MODEL=claude-fake-model",
                      "CREDENTIAL_IDS=" + json{{"github", credential}}.dump(), "ANTHROPIC_BASE_URL=" + fake_.base_url(),
                      "ANTHROPIC_API_KEY=sk-ant-fake-e2e-key", "CLAUDE_CODE_MAX_RETRIES=0"});
        // Where the API server's events proxy finds the runner (the control plane's job).
        auto r = api().patch(
            std::string(kApi) + "/sessions/" + session_id() + "/status",
            json{{"phase", "Running"}, {"runner_url", "http://127.0.0.1:" + std::to_string(runner().port())}}.dump());
        ASSERT_EQ(r.status, 200) << r.body;
    }

    // The session's live AG-UI events, through the API server.
    SseReader events() {
        SseReader reader("127.0.0.1", server().process().port(),
                         std::string(kApi) + "/sessions/" + session_id() + "/events",
                         HeaderPairs{{"Authorization", std::string("Bearer ") + kTestToken}});
        EXPECT_EQ(reader.status(), 200) << reader.response().body;
        return reader;
    }
    // Events until (and with) the next RUN_FINISHED or RUN_ERROR, parsed.
    static std::vector<json> until_run_end(SseReader& reader) {
        std::vector<json> out;
        while (auto e = reader.next(std::chrono::seconds(60))) {
            out.push_back(json::parse(e->data));
            const auto type = out.back().value("type", "");
            if (type == "RUN_FINISHED" || type == "RUN_ERROR") break;
        }
        return out;
    }
    // The event types with repeats folded: how text is cut into deltas is the redactor's
    // business (it holds back what could start a secret), the sequence is not.
    static std::vector<std::string> sequence(const std::vector<json>& events) {
        std::vector<std::string> out;
        for (const auto& e : events)
            out.push_back(e.value("type", ""));
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

    FakeAnthropic fake_;
};

TEST_F(ClaudeRunnerTest, ToolCallAnswerAndASecondTurnWithTheTokenRedacted) {
    fake_.script(FakeAnthropic::Reply::tool_use(
        "Bash", {{"command", "printenv GITHUB_TOKEN"}, {"description", "Print the GitHub token"}}));
    fake_.script(FakeAnthropic::Reply::answer("The token is set."));
    fake_.script(FakeAnthropic::Reply::answer("You asked me to print it."));
    start_claude_runner();
    if (HasFatalFailure()) return;

    auto reader = events();
    const auto first = say("Run printenv GITHUB_TOKEN");
    const auto run = until_run_end(reader);
    EXPECT_EQ(sequence(run), (std::vector<std::string>{"RUN_STARTED", "TOOL_CALL_START", "TOOL_CALL_ARGS",
                                                       "TOOL_CALL_END", "TOOL_CALL_RESULT", "TEXT_MESSAGE_START",
                                                       "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END", "RUN_FINISHED"}))
        << json(run).dump(1);
    std::string text;
    for (const auto& e : run) {
        EXPECT_EQ(e.dump().find(kToken), std::string::npos) << e.dump();
        if (e["type"] == "TOOL_CALL_START") {
            EXPECT_EQ(e["toolCallName"], "Bash");
        }
        if (e["type"] == "TOOL_CALL_RESULT") {
            EXPECT_EQ(e["content"], "[REDACTED]");
        }
        if (e["type"] == "TEXT_MESSAGE_CONTENT") text += e["delta"].get<std::string>();
        if (e["type"] == "RUN_FINISHED") {
            EXPECT_TRUE(e["result"]["usage"].is_object()) << e.dump();
            EXPECT_TRUE(e["result"]["total_cost_usd"].is_number()) << e.dump();
            EXPECT_EQ(e["result"]["num_turns"], 2);
        }
    }
    EXPECT_EQ(text, "The token is set.");

    auto all = wait_for_turn(first, std::chrono::seconds(60));
    const auto done = finished_lifecycle(all, first);
    ASSERT_EQ(done.value("status", ""), "completed") << done.dump();

    const auto tool_use = of_type(all, "tool_use");
    ASSERT_EQ(tool_use.size(), 1u);
    const auto use = json::parse(tool_use[0].payload);
    EXPECT_EQ(use["tool"], "Bash");
    EXPECT_EQ(use["input"]["command"], "printenv GITHUB_TOKEN");
    const auto tool_result = of_type(all, "tool_result");
    ASSERT_EQ(tool_result.size(), 1u);
    const auto result = json::parse(tool_result[0].payload);
    EXPECT_EQ(result["tool_call_id"], use["tool_call_id"]);
    EXPECT_EQ(result["result"], "[REDACTED]");
    const auto assistant = of_type(all, "assistant");
    ASSERT_EQ(assistant.size(), 1u);
    EXPECT_EQ(assistant[0].payload, "The token is set.");

    // The CLI really ran the tool with the granted value (the model was told it).
    const auto requests = fake_.message_requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].body["model"], "claude-fake-model");
    EXPECT_EQ(tool_results_in(requests[1].body), std::vector<std::string>{kToken});

    const auto second = say("What did I ask you?");
    all = wait_for_turn(second, std::chrono::seconds(60));
    EXPECT_EQ(finished_lifecycle(all, second).value("status", ""), "completed");
    const auto third_request = fake_.message_requests().at(2).body;
    const auto texts = user_texts_in(third_request);
    EXPECT_NE(std::find(texts.begin(), texts.end(), "Run printenv GITHUB_TOKEN"), texts.end());
    EXPECT_NE(std::find(texts.begin(), texts.end(), "What did I ask you?"), texts.end());
    EXPECT_EQ(of_type(all, "assistant").back().payload, "You asked me to print it.");

    for (const auto& m : all)
        EXPECT_EQ(m.payload.find(kToken), std::string::npos) << m.event_type << ": " << m.payload;
    EXPECT_EQ(runner().log().find(kToken), std::string::npos);
    EXPECT_EQ(runner().log().find("sk-ant-fake-e2e-key"), std::string::npos);
}

TEST_F(ClaudeRunnerTest, AnApiErrorEndsTheTurnInAnErrorNamingIt) {
    fake_.script(FakeAnthropic::Reply::error(500, "fake upstream exploded"));
    start_claude_runner();
    if (HasFatalFailure()) return;
    auto reader = events();
    const auto seq = say("Hello");
    const auto run = until_run_end(reader);
    ASSERT_EQ(sequence(run), (std::vector<std::string>{"RUN_STARTED", "RUN_ERROR"})) << json(run).dump(1);
    EXPECT_NE(run.back()["message"].get<std::string>().find("API error 500: API Error: 500 fake upstream exploded"),
              std::string::npos)
        << run.back().dump();
    const auto all = wait_for_turn(seq, std::chrono::seconds(60));
    EXPECT_EQ(finished_lifecycle(all, seq).value("status", ""), "error");
    const auto errors = of_type(all, "error");
    ASSERT_EQ(errors.size(), 1u);
    const auto message = json::parse(errors[0].payload).value("message", "");
    EXPECT_NE(message.find("500"), std::string::npos) << message;
    EXPECT_NE(message.find("fake upstream exploded"), std::string::npos) << message;
    EXPECT_TRUE(of_type(all, "assistant").empty());
}

// Processes whose working directory is inside `dir` (the CLI and whatever it started).
std::vector<std::string> processes_in(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::error_code ec;
        const auto cwd = std::filesystem::read_symlink(entry.path() / "cwd", ec);
        if (!ec && cwd.string().starts_with(dir.string())) out.push_back(entry.path().filename().string());
    }
    return out;
}

TEST_F(ClaudeRunnerTest, SigtermMidTurnStopsTheCliAndEndsTheTurn) {
    fake_.script(FakeAnthropic::Reply::stall());
    start_claude_runner();
    if (HasFatalFailure()) return;
    const auto seq = say("Hello");
    ASSERT_TRUE(fake_.wait_for_message_requests(1, std::chrono::milliseconds(60000))) << runner().log();
    EXPECT_FALSE(processes_in(workspace()).empty());
    const auto stopping = std::chrono::steady_clock::now();
    EXPECT_EQ(runner().stop(std::chrono::seconds(15)), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(10));
    EXPECT_TRUE(processes_in(workspace()).empty());
    const auto all = messages();
    const auto done = finished_lifecycle(all, seq);
    EXPECT_EQ(done.value("status", ""), "error") << done.dump();
    const auto errors = of_type(all, "error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].payload.find("interrupted"), std::string::npos) << errors[0].payload;
}

}  // namespace
}  // namespace ambient::testing
