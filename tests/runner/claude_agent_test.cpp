// The claude agent driving the REAL Claude Code CLI (scripts/install-deps installs it) against
// the fake Anthropic API: the exact AG-UI sequence of a tool turn, the token in the tool's
// result and in the CLI's environment but never on its command line, a second turn and a
// restarted agent continuing the conversation, a credential change restarting the process,
// API errors, a malformed line, a crash, the idle timeout and interrupt().
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runner/agents/claude_agent.hpp"
#include "runner/config.hpp"
#include "support/fake_anthropic.hpp"
#include "support/server_process.hpp"

namespace ambient::runner {
namespace {

using ambient::testing::FakeAnthropic;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kToken = "ghp_FakeTokenForTheAgentTest0123456789";

class RecordingSink : public agui::EventSink {
public:
    void emit(json event) override {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
    }
    std::vector<json> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(events_, {});
    }

private:
    std::mutex mutex_;
    std::vector<json> events_;
};

std::vector<std::string> types(const std::vector<json>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        out.push_back(e.at("type").get<std::string>());
    return out;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// /proc/<pid>/cmdline or environ as a list of strings.
std::vector<std::string> nul_separated(const std::string& data) {
    std::vector<std::string> out;
    std::string item;
    for (char c : data) {
        if (c == '\0') {
            out.push_back(std::exchange(item, {}));
        } else {
            item += c;
        }
    }
    if (!item.empty()) out.push_back(item);
    return out;
}

// The agent processes this test started: its only children (the CLI's own children, e.g. the
// Bash tool's shell, are grandchildren). By parentage, not by name: the CLI may retitle itself.
std::vector<pid_t> cli_children(const std::filesystem::path& /*cli*/) {
    std::vector<pid_t> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const auto stat = read_file(entry.path() / "stat");
        const auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 2));
        std::string state;
        pid_t ppid = 0;
        rest >> state >> ppid;
        if (ppid == ::getpid() && state != "Z") out.push_back(std::stoi(name));
    }
    return out;
}

std::filesystem::path cli_path() {
    // The runner's own default (the project-local install), or CLAUDE_CLI.
    const auto config = load_config([](const char* name) -> std::optional<std::string> {
        if (std::string(name) == "SESSION_ID") return "s1";
        if (std::string(name) == "PROJECT_NAME") return "p1";
        if (std::string(name) == "CLAUDE_CLI") return process_getenv("CLAUDE_CLI");
        return std::nullopt;
    });
    return config.claude_cli;
}

class ClaudeAgentTest : public ::testing::Test {
protected:
    void SetUp() override {
        cli_ = cli_path();
        ASSERT_TRUE(std::filesystem::exists(cli_))
            << "the Claude Code CLI is not at " << cli_ << ": run scripts/install-deps (or set CLAUDE_CLI)";
        // What the runner's environment would carry: where the API is, and no retries so
        // that error tests are fast.
        ::setenv("ANTHROPIC_BASE_URL", fake_.base_url().c_str(), 1);
        ::setenv("CLAUDE_CODE_MAX_RETRIES", "0", 1);
        settings_.cli = cli_;
        settings_.workspace = workspace_.path();
        settings_.model = "claude-fake-model";
        settings_.idle_timeout = 60s;
        settings_.max_output_tokens = 4321;
    }
    void TearDown() override {
        ::unsetenv("ANTHROPIC_BASE_URL");
        ::unsetenv("CLAUDE_CODE_MAX_RETRIES");
    }

    TurnInput turn(std::string prompt, std::string fingerprint = "f1", std::string token = kToken) {
        TurnInput input;
        input.thread_id = "session-1";
        input.run_id = "run-" + std::to_string(++runs_);
        input.prompt = std::move(prompt);
        input.cwd = workspace_.path() / "artifacts";
        // The credentials, as the turn loop gives them: the API key is a granted credential too.
        input.environment = {{"GITHUB_TOKEN", std::move(token)}, {"ANTHROPIC_API_KEY", "sk-ant-fake-key"}};
        input.credentials_fingerprint = std::move(fingerprint);
        return input;
    }

    // A stand-in CLI: a shell script, for what the real one will not do on demand.
    std::filesystem::path fake_cli(const std::string& body) {
        const auto path = workspace_.path() / "fake-claude.sh";
        std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
        std::filesystem::permissions(path, std::filesystem::perms::owner_all);
        return path;
    }

    FakeAnthropic fake_;
    ambient::testing::TempDir workspace_;
    std::filesystem::path cli_;
    ClaudeSettings settings_;
    RecordingSink sink_;
    int runs_ = 0;
};

void script_tool_turn(FakeAnthropic& fake) {
    fake.script(FakeAnthropic::Reply::tool_use(
        "Bash", {{"command", "printenv GITHUB_TOKEN"}, {"description", "Print the GitHub token"}}));
    fake.script(FakeAnthropic::Reply::answer("The token is set."));
}

const std::vector<std::string> kToolTurnTypes = {"TOOL_CALL_START",      "TOOL_CALL_ARGS",       "TOOL_CALL_ARGS",
                                                 "TOOL_CALL_END",        "TOOL_CALL_RESULT",     "TEXT_MESSAGE_START",
                                                 "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END"};

TEST_F(ClaudeAgentTest, ToolCallThenAnswerIsTheExactSequence) {
    script_tool_turn(fake_);
    auto agent = make_claude_agent(settings_);
    const auto outcome = agent->run_turn(turn("Run printenv GITHUB_TOKEN"), sink_);
    ASSERT_TRUE(outcome.ok) << outcome.error;
    const auto events = sink_.take();
    EXPECT_EQ(types(events), kToolTurnTypes) << json(events).dump(1);
    ASSERT_EQ(events.size(), kToolTurnTypes.size());
    EXPECT_EQ(events[0]["toolCallName"], "Bash");
    EXPECT_EQ(json::parse(events[1]["delta"].get<std::string>() + events[2]["delta"].get<std::string>())["command"],
              "printenv GITHUB_TOKEN");
    // The agent does not redact (the turn loop's sink does): the tool saw the real value.
    EXPECT_EQ(events[4]["toolCallId"], events[0]["toolCallId"]);
    EXPECT_EQ(events[4]["content"], kToken);
    EXPECT_EQ(events[6]["delta"].get<std::string>() + events[7]["delta"].get<std::string>(), "The token is set.");

    EXPECT_EQ(outcome.result["num_turns"], 2);
    EXPECT_TRUE(outcome.result["usage"].is_object());
    EXPECT_TRUE(outcome.result["total_cost_usd"].is_number());
    EXPECT_TRUE(outcome.result["duration_ms"].is_number());

    // The model got the tool's output, and the CLI used the model, limit and key it was given.
    const auto requests = fake_.message_requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].body["model"], "claude-fake-model");
    EXPECT_EQ(requests[0].body["max_tokens"], 4321);
    EXPECT_EQ(requests[0].api_key, "sk-ant-fake-key");
    EXPECT_EQ(ambient::testing::tool_results_in(requests[1].body), std::vector<std::string>{kToken});
    EXPECT_EQ(fake_.unanswered(), 0u);

    // The long-lived CLI holds the token in its environment, never on its command line.
    const auto pids = cli_children(cli_);
    ASSERT_EQ(pids.size(), 1u);
    const auto proc = std::filesystem::path("/proc") / std::to_string(pids[0]);
    const auto cmdline = read_file(proc / "cmdline");
    EXPECT_FALSE(cmdline.empty());
    EXPECT_EQ(cmdline.find(kToken), std::string::npos);
    EXPECT_EQ(cmdline.find("sk-ant-fake-key"), std::string::npos);
    const auto environ = nul_separated(read_file(proc / "environ"));
    EXPECT_NE(std::find(environ.begin(), environ.end(), std::string("GITHUB_TOKEN=") + kToken), environ.end());
    EXPECT_NE(std::find(environ.begin(), environ.end(), "HOME=" + (workspace_.path() / ".home").string()),
              environ.end());
    agent->shutdown();
    EXPECT_TRUE(cli_children(cli_).empty());
}

TEST_F(ClaudeAgentTest, LaterTurnsAndARestartedAgentContinueTheConversation) {
    script_tool_turn(fake_);
    fake_.script(FakeAnthropic::Reply::answer("You asked me to print the token."));
    fake_.script(FakeAnthropic::Reply::answer("Still here."));
    {
        auto agent = make_claude_agent(settings_);
        ASSERT_TRUE(agent->run_turn(turn("Run printenv GITHUB_TOKEN"), sink_).ok);
        const auto first_pid = cli_children(cli_);
        const auto second = agent->run_turn(turn("What did I ask you?"), sink_);
        ASSERT_TRUE(second.ok) << second.error;
        EXPECT_EQ(cli_children(cli_), first_pid) << "one process for the session";
        const auto requests = fake_.message_requests();
        ASSERT_EQ(requests.size(), 3u);
        const auto texts = ambient::testing::user_texts_in(requests[2].body);
        EXPECT_NE(std::find(texts.begin(), texts.end(), "Run printenv GITHUB_TOKEN"), texts.end());
        EXPECT_NE(std::find(texts.begin(), texts.end(), "What did I ask you?"), texts.end());
        EXPECT_EQ(ambient::testing::tool_results_in(requests[2].body), std::vector<std::string>{kToken});
        agent->shutdown();
    }
    // A new agent (the runner restarted) resumes the session kept in the workspace.
    const auto session_id = read_file(claude_session_id_file(workspace_.path()));
    ASSERT_FALSE(session_id.empty());
    sink_.take();
    auto agent = make_claude_agent(settings_);
    const auto third = agent->run_turn(turn("Are you there?"), sink_);
    ASSERT_TRUE(third.ok) << third.error;
    EXPECT_EQ(types(sink_.take()), (std::vector<std::string>{"TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT",
                                                             "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END"}));
    const auto pids = cli_children(cli_);
    ASSERT_EQ(pids.size(), 1u);
    const auto argv = nul_separated(read_file(std::filesystem::path("/proc") / std::to_string(pids[0]) / "cmdline"));
    const auto resume = std::find(argv.begin(), argv.end(), "--resume");
    ASSERT_NE(resume, argv.end());
    EXPECT_EQ(*(resume + 1) + "\n", session_id);
    const auto requests = fake_.message_requests();
    ASSERT_EQ(requests.size(), 4u);
    const auto texts = ambient::testing::user_texts_in(requests[3].body);
    EXPECT_NE(std::find(texts.begin(), texts.end(), "What did I ask you?"), texts.end());
    EXPECT_NE(std::find(texts.begin(), texts.end(), "Are you there?"), texts.end());
}

// A kept session id the CLI does not know (its HOME was wiped): a new conversation, not a
// turn that fails forever.
TEST_F(ClaudeAgentTest, AnUnknownKeptSessionStartsANewConversation) {
    std::filesystem::create_directories(claude_session_id_file(workspace_.path()).parent_path());
    std::ofstream(claude_session_id_file(workspace_.path())) << "11111111-2222-3333-4444-555555555555\n";
    fake_.script(FakeAnthropic::Reply::answer("Fresh start."));
    auto agent = make_claude_agent(settings_);
    const auto outcome = agent->run_turn(turn("Hello"), sink_);
    ASSERT_TRUE(outcome.ok) << outcome.error;
    EXPECT_EQ(types(sink_.take()), (std::vector<std::string>{"TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT",
                                                             "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END"}));
    const auto kept = read_file(claude_session_id_file(workspace_.path()));
    EXPECT_FALSE(kept.empty());
    EXPECT_NE(kept, "11111111-2222-3333-4444-555555555555\n");
}

TEST_F(ClaudeAgentTest, NewCredentialsRestartTheProcessWithTheConversation) {
    fake_.script(FakeAnthropic::Reply::answer("First."));
    script_tool_turn(fake_);
    auto agent = make_claude_agent(settings_);
    ASSERT_TRUE(agent->run_turn(turn("One", "f1", "ghp_OldValue"), sink_).ok);
    const auto before = cli_children(cli_);
    ASSERT_EQ(before.size(), 1u);
    sink_.take();
    const auto outcome = agent->run_turn(turn("Two", "f2", kToken), sink_);
    ASSERT_TRUE(outcome.ok) << outcome.error;
    const auto after = cli_children(cli_);
    ASSERT_EQ(after.size(), 1u);
    EXPECT_NE(after, before);
    // The tool ran with the new value, in the same conversation.
    const auto events = sink_.take();
    ASSERT_EQ(types(events), kToolTurnTypes);
    EXPECT_EQ(events[4]["content"], kToken);
    const auto texts = ambient::testing::user_texts_in(fake_.message_requests().back().body);
    EXPECT_NE(std::find(texts.begin(), texts.end(), "One"), texts.end());
}

// A stream that breaks off: the CLI asks again without streaming (the fake answers JSON).
// The part that was streamed stays a message of its own, ended before the whole answer.
TEST_F(ClaudeAgentTest, ABrokenStreamFallsBackToAWholeMessage) {
    fake_.script(FakeAnthropic::Reply::truncated("Broken answer"));
    fake_.script(FakeAnthropic::Reply::answer("Whole answer."));
    auto agent = make_claude_agent(settings_);
    const auto outcome = agent->run_turn(turn("Hello"), sink_);
    ASSERT_TRUE(outcome.ok) << outcome.error;
    const auto events = sink_.take();
    ASSERT_EQ(types(events),
              (std::vector<std::string>{"TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END",
                                        "TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END"}))
        << json(events).dump(1);
    EXPECT_EQ(events[1]["delta"], "Broken");
    EXPECT_EQ(events[4]["delta"], "Whole answer.");
    const auto requests = fake_.message_requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].body["stream"], true);
    EXPECT_EQ(requests[1].body.value("stream", false), false);
}

// Unattended: a tool outside --allowedTools is refused at once (the model is told), not left
// waiting for a permission answer nobody can give.
TEST_F(ClaudeAgentTest, AToolOutsideTheAllowedListIsRefusedNotWaitedFor) {
    fake_.script(FakeAnthropic::Reply::tool_use("WebFetch", {{"url", "http://127.0.0.1:9/"}, {"prompt", "Read it"}}));
    fake_.script(FakeAnthropic::Reply::answer("I may not fetch it."));
    auto agent = make_claude_agent(settings_);
    const auto outcome = agent->run_turn(turn("Fetch a page"), sink_);
    ASSERT_TRUE(outcome.ok) << outcome.error;
    const auto events = sink_.take();
    ASSERT_EQ(types(events), kToolTurnTypes) << json(events).dump(1);
    EXPECT_EQ(events[0]["toolCallName"], "WebFetch");
    EXPECT_NE(events[4]["content"].get<std::string>().find("permissions to use WebFetch"), std::string::npos)
        << events[4].dump();
    ASSERT_EQ(outcome.result["permission_denials"].size(), 1u) << outcome.result.dump();
    EXPECT_EQ(outcome.result["permission_denials"][0]["tool_name"], "WebFetch");
    EXPECT_EQ(fake_.message_requests().size(), 2u);
}

TEST_F(ClaudeAgentTest, AnApiErrorEndsTheTurnNamingIt) {
    fake_.script(FakeAnthropic::Reply::error(500, "fake upstream exploded"));
    fake_.script(FakeAnthropic::Reply::answer("Recovered."));
    auto agent = make_claude_agent(settings_);
    const auto outcome = agent->run_turn(turn("Hello"), sink_);
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.error.find("500"), std::string::npos) << outcome.error;
    EXPECT_NE(outcome.error.find("fake upstream exploded"), std::string::npos) << outcome.error;
    EXPECT_TRUE(sink_.take().empty());
    // The session goes on.
    const auto next = agent->run_turn(turn("Hello again"), sink_);
    EXPECT_TRUE(next.ok) << next.error;
}

TEST_F(ClaudeAgentTest, AMalformedLineFailsTheTurnAndEndsTheProcess) {
    settings_.cli =
        fake_cli("read line\necho '{\"type\":\"stream_event\",\"event\"'\necho 'not json at all'\nsleep 60");
    auto agent = make_claude_agent(settings_);
    const auto started = std::chrono::steady_clock::now();
    const auto outcome = agent->run_turn(turn("Hello"), sink_);
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.error.find("malformed output from the Claude CLI"), std::string::npos) << outcome.error;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_TRUE(cli_children(settings_.cli).empty());
}

TEST_F(ClaudeAgentTest, AProcessExitingMidTurnFailsWithItsStderr) {
    settings_.cli = fake_cli("read line\necho 'something went badly wrong' >&2\nexit 3");
    auto agent = make_claude_agent(settings_);
    const auto outcome = agent->run_turn(turn("Hello"), sink_);
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.error.find("code 3"), std::string::npos) << outcome.error;
    EXPECT_NE(outcome.error.find("something went badly wrong"), std::string::npos) << outcome.error;
}

// Between turns the process stopped reading: the next turn's write is an error (EPIPE), not
// a SIGPIPE that would end the runner.
TEST_F(ClaudeAgentTest, AProcessThatStoppedReadingFailsTheNextTurn) {
    settings_.cli = fake_cli(
        "read line\n"
        "echo '{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"num_turns\":1}'\n"
        "exec 0<&-\n"
        "echo 'no more input' >&2\n"
        "sleep 60");
    auto agent = make_claude_agent(settings_);
    const auto first = agent->run_turn(turn("One"), sink_);
    ASSERT_TRUE(first.ok) << first.error;
    // Its stdin is closed once stderr says so.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        const auto pids = cli_children(cli_);
        ASSERT_EQ(pids.size(), 1u);
        const auto fd0 = std::filesystem::path("/proc") / std::to_string(pids[0]) / "fd" / "0";
        if (!std::filesystem::exists(std::filesystem::symlink_status(fd0))) break;
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the stand-in never closed its stdin";
        std::this_thread::sleep_for(10ms);
    }
    const auto started = std::chrono::steady_clock::now();
    const auto second = agent->run_turn(turn("Two"), sink_);
    EXPECT_FALSE(second.ok);
    EXPECT_NE(second.error.find("closed its input"), std::string::npos) << second.error;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_TRUE(cli_children(cli_).empty());
}

TEST_F(ClaudeAgentTest, AMissingCliFailsTheTurn) {
    settings_.cli = workspace_.path() / "no-such-claude";
    auto agent = make_claude_agent(settings_);
    const auto outcome = agent->run_turn(turn("Hello"), sink_);
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.error.find("no-such-claude"), std::string::npos) << outcome.error;
}

TEST_F(ClaudeAgentTest, ASilentTurnEndsAtTheIdleTimeout) {
    fake_.script(FakeAnthropic::Reply::stall());
    fake_.script(FakeAnthropic::Reply::answer("Back."));
    settings_.idle_timeout = 2s;
    auto agent = make_claude_agent(settings_);
    const auto outcome = agent->run_turn(turn("Hello"), sink_);
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.error.find("TURN_IDLE_TIMEOUT"), std::string::npos) << outcome.error;
    EXPECT_TRUE(cli_children(cli_).empty());
    // The next turn resumes in a new process.
    settings_.idle_timeout = 60s;
    const auto next = agent->run_turn(turn("Hello again"), sink_);
    EXPECT_TRUE(next.ok) << next.error;
}

TEST_F(ClaudeAgentTest, InterruptEndsARunningTurnPromptly) {
    fake_.script(FakeAnthropic::Reply::stall());
    fake_.script(FakeAnthropic::Reply::answer("Back."));
    auto agent = make_claude_agent(settings_);
    auto running = std::async(std::launch::async, [&] { return agent->run_turn(turn("Hello"), sink_); });
    ASSERT_TRUE(fake_.wait_for_message_requests(1, 30s));
    const auto interrupted_at = std::chrono::steady_clock::now();
    agent->interrupt();
    ASSERT_EQ(running.wait_for(10s), std::future_status::ready);
    EXPECT_LT(std::chrono::steady_clock::now() - interrupted_at, 5s);
    const auto outcome = running.get();
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, "interrupted");
    EXPECT_TRUE(cli_children(cli_).empty());

    agent->interrupt();  // between turns: nothing to do
    const auto next = agent->run_turn(turn("Hello again"), sink_);
    EXPECT_TRUE(next.ok) << next.error;
}

}  // namespace
}  // namespace ambient::runner
