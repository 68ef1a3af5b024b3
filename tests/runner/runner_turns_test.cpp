// ambient-runner end to end with the real API server: configuration errors, the command
// agent, credentials (in the agent's environment for the turn only, never in argv, redacted
// from everything the runner emits), the token file read on every call, restarts that do
// not re-run finished turns, SIGTERM mid-turn, and repositories cloned for the agent.
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <thread>

#include "common/crypto/base64.hpp"
#include "runner/runner_fixture.hpp"
#include "support/fake_git_server.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "ghp_runnerTestSecretValue0123456789abcd";

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Waits, with a deadline, until `path` exists and is not empty.
std::string wait_for_file(const std::filesystem::path& path, std::chrono::seconds deadline = std::chrono::seconds(30)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
        if (std::filesystem::exists(path)) {
            auto content = read_file(path);
            if (!content.empty() && content.back() == '\n') return content;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no " << path << " in time";
    return {};
}

std::string command_env(const std::string& script) {
    return "RUNNER_COMMAND=" + json::array({"/bin/sh", "-c", script}).dump();
}

std::string all_text(const std::vector<MessageRecord>& all) {
    std::string out;
    for (const auto& m : all)
        out += m.payload + "\n";
    return out;
}

TEST(RunnerConfig, AMissingOrMalformedVariableExitsTwoNamingIt) {
    struct Case {
        std::vector<std::string> env;
        std::string variable;
    };
    const std::vector<Case> cases = {
        {{"PROJECT_NAME=p"}, "SESSION_ID"},
        {{"SESSION_ID=s"}, "PROJECT_NAME"},
        {{"SESSION_ID=s", "PROJECT_NAME=p", "CREDENTIAL_IDS=[1,2]"}, "CREDENTIAL_IDS"},
        {{"SESSION_ID=s", "PROJECT_NAME=p", "RUNNER_TYPE=command"}, "RUNNER_COMMAND"},
        {{"SESSION_ID=s", "PROJECT_NAME=p", "RUNNER_TYPE=command", "RUNNER_COMMAND=echo hi"}, "RUNNER_COMMAND"},
        {{"SESSION_ID=s", "PROJECT_NAME=p", "RUNNER_TYPE=python"}, "RUNNER_TYPE"},
        {{"SESSION_ID=s", "PROJECT_NAME=p", "AGUI_PORT=99999"}, "AGUI_PORT"},
        {{"SESSION_ID=s", "PROJECT_NAME=p", "BACKEND_API_URL=ftp://x"}, "BACKEND_API_URL"},
        {{"SESSION_ID=s", "PROJECT_NAME=p", "TURN_IDLE_TIMEOUT=soon"}, "TURN_IDLE_TIMEOUT"},
        {{"SESSION_ID=../x", "PROJECT_NAME=p"}, "SESSION_ID"},
    };
    for (const auto& c : cases) {
        // env -i semantics: only what the case gives (and PATH), so the test's own variables
        // cannot satisfy a required one.
        auto env = c.env;
        env.push_back("PATH=/usr/bin:/bin");
        auto result = run_process("/usr/bin/env", [&] {
            std::vector<std::string> args = {"-i"};
            args.insert(args.end(), env.begin(), env.end());
            args.push_back((binary_dir() / "ambient-runner").string());
            return args;
        }());
        EXPECT_EQ(result.exit_code, 2) << c.variable << ": " << result.output;
        const auto lines = std::count(result.output.begin(), result.output.end(), '\n');
        EXPECT_EQ(lines, 1) << result.output;
        EXPECT_NE(result.output.find(c.variable), std::string::npos) << result.output;
        EXPECT_TRUE(json::accept(result.output.substr(0, result.output.find('\n')))) << result.output;
    }
}

TEST_F(RunnerTest, CommandAgentStreamsStdoutAndItsExitCodeEndsTheRun) {
    start_runner({"RUNNER_TYPE=command", command_env("read line; echo \"you said: $line\"; exit 0")});
    const auto ok = say("ping");
    auto all = wait_for_turn(ok);
    ASSERT_EQ(of_type(all, "assistant").size(), 1u);
    EXPECT_EQ(of_type(all, "assistant")[0].payload, "you said: ping\n");
    EXPECT_EQ(finished_lifecycle(all, ok)["status"], "completed");
}

TEST_F(RunnerTest, AnAnswerTooLargeForOneMessageIsCutNotLost) {
    // 400,000 bytes of output: more than a session message may hold.
    start_runner({"RUNNER_TYPE=command", command_env("head -c 400000 /dev/zero | tr '\\0' a")});
    const auto seq = say("a lot");
    auto all = wait_for_turn(seq);
    EXPECT_EQ(finished_lifecycle(all, seq)["status"], "completed");
    const auto assistant = of_type(all, "assistant");
    ASSERT_EQ(assistant.size(), 1u);
    EXPECT_EQ(assistant[0].payload,
              std::string(256 * 1024, 'a') + "\n[cut: " + std::to_string(400000 - 256 * 1024) + " more bytes]");
}

TEST_F(RunnerTest, ACommandThatFailsEndsTheRunInErrorWithItsStderr) {
    start_runner({"RUNNER_TYPE=command", command_env("echo 'it broke' >&2; exit 3")});
    const auto seq = say("go");
    auto all = wait_for_turn(seq);
    const auto done = finished_lifecycle(all, seq);
    EXPECT_EQ(done["status"], "error");
    const std::string message = done["message"];
    EXPECT_NE(message.find("status 3"), std::string::npos) << message;
    EXPECT_NE(message.find("it broke"), std::string::npos) << message;
    ASSERT_EQ(of_type(all, "error").size(), 1u);
}

TEST_F(RunnerTest, ACommandSilentForLongerThanTheIdleTimeoutEndsTheRunInError) {
    start_runner({"RUNNER_TYPE=command", command_env("sleep 60"), "TURN_IDLE_TIMEOUT=1"});
    const auto seq = say("wait");
    auto all = wait_for_turn(seq);
    const auto done = finished_lifecycle(all, seq);
    EXPECT_EQ(done["status"], "error");
    EXPECT_NE(done["message"].get<std::string>().find("no output for 1 s"), std::string::npos) << done;
}

TEST_F(RunnerTest, AMalformedLineFromTheAgentEndsTheRunInErrorNotTheRunner) {
    // A "Claude Code CLI" that answers with something that is not stream-json.
    const auto fake_cli = workspace().parent_path() / ("fake-claude-" + session_id());
    {
        std::ofstream out(fake_cli);
        out << "#!/bin/sh\necho 'this is not json {'\nsleep 5\n";
    }
    std::filesystem::permissions(fake_cli, std::filesystem::perms::owner_all);
    start_runner({"RUNNER_TYPE=claude", "CLAUDE_CLI=" + fake_cli.string()});
    const auto first = say("hello");
    auto all = wait_for_turn(first);
    EXPECT_EQ(finished_lifecycle(all, first)["status"], "error");
    // Still alive, and the next turn is tried again.
    const auto second = say("again");
    all = wait_for_turn(second);
    EXPECT_EQ(finished_lifecycle(all, second)["status"], "error");
    std::filesystem::remove(fake_cli);
}

TEST_F(RunnerTest, CredentialsAreInTheAgentsEnvironmentForTheTurnOnlyAndNeverInArgv) {
    const auto id = grant_github_credential(kSecret);
    const auto out = workspace().parent_path() / ("runner-env-" + session_id());
    std::filesystem::create_directories(out);
    // The agent reports its pid and environment, then waits for the test to look at it.
    const std::string script =
        "printenv GITHUB_TOKEN > \"$OUT/github\"; printenv GH_TOKEN > \"$OUT/gh\"; "
        "printenv AMBIENT_CREDENTIAL_GITHUB > \"$OUT/ambient\"; "
        "echo $$ > \"$OUT/pid.tmp\"; mv \"$OUT/pid.tmp\" \"$OUT/pid\"; "
        "while [ ! -e \"$OUT/go\" ]; do sleep 0.05; done; echo done";
    start_runner({"RUNNER_TYPE=command", command_env(script), "OUT=" + out.string(),
                  "CREDENTIAL_IDS=" + json{{"github", id}}.dump()});
    const auto seq = say("show me");
    const auto pid = std::stoi(wait_for_file(out / "pid"));
    EXPECT_EQ(read_file(out / "github"), std::string(kSecret) + "\n");
    EXPECT_EQ(read_file(out / "gh"), std::string(kSecret) + "\n");
    EXPECT_EQ(read_file(out / "ambient"), std::string(kSecret) + "\n");
    // Not on any command line: the agent's, or the runner's.
    EXPECT_EQ(read_file("/proc/" + std::to_string(pid) + "/cmdline").find(kSecret), std::string::npos);
    EXPECT_EQ(read_file("/proc/" + std::to_string(runner().pid()) + "/cmdline").find(kSecret), std::string::npos);
    // The runner itself never exports it: only the agent's environment holds it.
    EXPECT_EQ(read_file("/proc/" + std::to_string(runner().pid()) + "/environ").find(kSecret), std::string::npos);
    // During the turn the git helper's file exists, 0600; after it, it is gone.
    bool helper_file_seen = false;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(workspace())) {
        if (entry.is_regular_file() && read_file(entry.path()).find(kSecret) != std::string::npos) {
            helper_file_seen = true;
            EXPECT_EQ(entry.status().permissions() & std::filesystem::perms::all,
                      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
                << entry.path();
        }
    }
    EXPECT_TRUE(helper_file_seen);
    std::ofstream(out / "go") << "go";
    wait_for_turn(seq);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(workspace())) {
        if (entry.is_regular_file()) {
            EXPECT_EQ(read_file(entry.path()).find(kSecret), std::string::npos) << entry.path();
        }
    }
    EXPECT_NE(runner().log().find("Successfully fetched github credentials"), std::string::npos);
    std::filesystem::remove_all(out);
}

TEST_F(RunnerTest, SecretsAreRedactedFromMessagesEventsAndLogsInEveryEncoding) {
    const auto id = grant_github_credential(kSecret);
    const std::string base64 = crypto::base64_encode(kSecret);
    // Printed whole, base64-encoded, and one byte at a time across many writes.
    const std::string script =
        "echo \"plain $GITHUB_TOKEN\"; echo \"b64 " + base64 +
        "\"; printf '%s' \"$GITHUB_TOKEN\" | while IFS= read -r -n1 c; do printf '%s' \"$c\"; "
        "sleep 0.001; done; echo; echo 'an unrelated ghs_abcdefghijklmnopqrstuvwxyz0123 too' >&2; "
        "exit 1";
    start_runner({"RUNNER_TYPE=command", "RUNNER_COMMAND=" + json::array({"/bin/bash", "-c", script}).dump(),
                  "CREDENTIAL_IDS=" + json{{"github", id}}.dump()});
    const auto seq = say("leak it");
    auto all = wait_for_turn(seq);
    const auto text = all_text(all);
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
    EXPECT_EQ(text.find(base64), std::string::npos) << text;
    EXPECT_EQ(text.find("ghs_abcdefghijklmnopqrstuvwxyz0123"), std::string::npos) << text;
    EXPECT_NE(text.find("[REDACTED]"), std::string::npos) << text;
    const auto assistant = of_type(all, "assistant");
    ASSERT_EQ(assistant.size(), 1u);
    EXPECT_NE(assistant[0].payload.find("plain [REDACTED]"), std::string::npos) << assistant[0].payload;
    EXPECT_EQ(runner().log().find(kSecret), std::string::npos);
}

TEST_F(RunnerTest, AnUngrantedCredentialFailsTheTurnNamingIt) {
    // A credential exists but is granted to nobody.
    auto r = api().post(
        "/api/ambient/v1/credentials",
        json{{"name", "private"}, {"provider", "gitlab"}, {"token", "glpat-notgranted0123456789abc"}}.dump());
    ASSERT_EQ(r.status, 201);
    start_runner({"RUNNER_TYPE=echo", "CREDENTIAL_IDS=" + json{{"gitlab", r.json()["id"]}}.dump()});
    const auto seq = say("hi");
    auto all = wait_for_turn(seq);
    const auto done = finished_lifecycle(all, seq);
    EXPECT_EQ(done["status"], "error");
    const std::string message = done["message"];
    EXPECT_NE(message.find("gitlab"), std::string::npos) << message;
    EXPECT_TRUE(message.find("403") != std::string::npos || message.find("404") != std::string::npos) << message;
    EXPECT_TRUE(of_type(all, "assistant").empty());
}

TEST_F(RunnerTest, TheTokenFileIsReadOnEveryCall) {
    const auto id = grant_github_credential(kSecret);
    start_runner({"RUNNER_TYPE=echo", "CREDENTIAL_IDS=" + json{{"github", id}}.dump()});
    const auto first = say("one");
    EXPECT_EQ(finished_lifecycle(wait_for_turn(first), first)["status"], "completed");
    // A rewrite the API server refuses: the next credential fetch uses it and fails…
    {
        std::ofstream(token_file().string() + ".tmp") << "not-a-valid-token";
        std::filesystem::rename(token_file().string() + ".tmp", token_file());
    }
    const auto second = say("two");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (runner().log().find("HTTP 401") == std::string::npos && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_NE(runner().log().find("HTTP 401"), std::string::npos) << runner().log();
    // …its record waits (nothing is lost) until a rewrite with a fresh token, which the
    // following calls use.
    const auto fresh = refresh_token();
    auto all = wait_for_turn(second);
    const auto failed = finished_lifecycle(all, second);
    EXPECT_EQ(failed["status"], "error");
    EXPECT_NE(failed["message"].get<std::string>().find("401"), std::string::npos) << failed;
    const auto third = say("three");
    all = wait_for_turn(third);
    EXPECT_EQ(finished_lifecycle(all, third)["status"], "completed");
    // The runner token is a secret like any other.
    EXPECT_EQ(runner().log().find(fresh), std::string::npos);
    EXPECT_EQ(all_text(all).find(fresh), std::string::npos);
}

TEST_F(RunnerTest, ARestartedRunnerDoesNotRunAFinishedTurnAgain) {
    start_runner({"RUNNER_TYPE=echo"});
    const auto first = say("only once");
    wait_for_turn(first);
    stop_runner();
    // A message that arrives while no runner runs is handled by the next one.
    const auto second = say("while down");
    start_runner({"RUNNER_TYPE=echo"});
    const auto third = say("after restart");
    auto all = wait_for_turn(third);
    ASSERT_FALSE(finished_lifecycle(all, second).is_null());
    std::vector<std::string> replies;
    for (const auto& m : of_type(all, "assistant"))
        replies.push_back(m.payload);
    EXPECT_EQ(replies, (std::vector<std::string>{"echo: only once", "echo: while down", "echo: after restart"}));
}

// Issue 15, item 4: a runner killed mid-turn. Its successor must not answer that message a
// second time (part of the first answer may already be stored, or acted on); it ends the turn
// with a reason, and goes on with the next message.
TEST_F(RunnerTest, ARunnerKilledMidTurnLeavesThatTurnFailedWithAReasonNotAnsweredTwice) {
    const auto out = workspace().parent_path() / ("runner-kill-" + session_id());
    std::filesystem::create_directories(out);
    start_runner(
        {"RUNNER_TYPE=command", command_env("echo $$ > \"$OUT/agent.pid\"; exec sleep 120"), "OUT=" + out.string()});
    const auto seq = say("long work");
    // The turn has started once its run_started is stored (the write-back's first message).
    wait_for_messages([&](const auto& all) {
        for (const auto& m : of_type(all, "lifecycle"))
            if (m.payload.find("run_started") != std::string::npos) return true;
        return false;
    });
    wait_for_file(out / "agent.pid");
    ASSERT_EQ(::kill(runner().pid(), SIGKILL), 0);
    runner().stop();  // reaps it
    {
        std::ifstream pid_file(out / "agent.pid");
        pid_t agent = 0;
        if (pid_file >> agent && agent > 0) ::kill(agent, SIGKILL);  // orphaned by the kill
    }

    start_runner({"RUNNER_TYPE=echo"});
    const auto next = say("next one");
    auto all = wait_for_turn(next);
    const auto abandoned = finished_lifecycle(all, seq);
    ASSERT_FALSE(abandoned.is_null()) << all_text(all) << runner().log();
    EXPECT_EQ(abandoned["status"], "error");
    EXPECT_NE(abandoned.value("message", "").find("killed"), std::string::npos) << abandoned;
    int started_for_seq = 0;
    for (const auto& m : of_type(all, "lifecycle")) {
        const auto j = json::parse(m.payload, nullptr, false);
        if (j.value("event", "") == "run_started" && j.value("user_seq", std::int64_t{-1}) == seq) ++started_for_seq;
    }
    EXPECT_EQ(started_for_seq, 1) << "the killed turn was run again:\n" << all_text(all);
    std::vector<std::string> replies;
    for (const auto& m : of_type(all, "assistant"))
        replies.push_back(m.payload);
    EXPECT_EQ(replies, (std::vector<std::string>{"echo: next one"})) << all_text(all);
    EXPECT_EQ(finished_lifecycle(all, next)["status"], "completed");
    std::filesystem::remove_all(out);
}

TEST_F(RunnerTest, ARunnerKilledInTheInitialPromptsTurnLeavesItFailedWithAReasonNotAnsweredTwice) {
    const auto out = workspace().parent_path() / ("runner-kill-initial-" + session_id());
    std::filesystem::create_directories(out);
    const std::string prompt = "INITIAL_PROMPT=start the long work";
    start_runner({"RUNNER_TYPE=command", command_env("echo $$ > \"$OUT/agent.pid\"; exec sleep 120"),
                  "OUT=" + out.string(), prompt});
    // The initial prompt has no user message: its turn is user_seq 0.
    wait_for_messages([&](const auto& all) {
        for (const auto& m : of_type(all, "lifecycle")) {
            const auto j = json::parse(m.payload, nullptr, false);
            if (j.value("event", "") == "run_started" && j.value("user_seq", std::int64_t{-1}) == 0) return true;
        }
        return false;
    });
    wait_for_file(out / "agent.pid");
    ASSERT_EQ(::kill(runner().pid(), SIGKILL), 0);
    runner().stop();
    {
        std::ifstream pid_file(out / "agent.pid");
        pid_t agent = 0;
        if (pid_file >> agent && agent > 0) ::kill(agent, SIGKILL);
    }

    start_runner({"RUNNER_TYPE=echo", prompt});
    const auto next = say("next one");
    auto all = wait_for_turn(next);
    const auto abandoned = finished_lifecycle(all, 0);
    ASSERT_FALSE(abandoned.is_null()) << all_text(all) << runner().log();
    EXPECT_EQ(abandoned["status"], "error");
    EXPECT_NE(abandoned.value("message", "").find("killed"), std::string::npos) << abandoned;
    int started_initial = 0;
    for (const auto& m : of_type(all, "lifecycle")) {
        const auto j = json::parse(m.payload, nullptr, false);
        if (j.value("event", "") == "run_started" && j.value("user_seq", std::int64_t{-1}) == 0) ++started_initial;
    }
    EXPECT_EQ(started_initial, 1) << "the initial prompt was run again:\n" << all_text(all);
    std::vector<std::string> replies;
    for (const auto& m : of_type(all, "assistant"))
        replies.push_back(m.payload);
    EXPECT_EQ(replies, (std::vector<std::string>{"echo: next one"})) << all_text(all);
    std::filesystem::remove_all(out);
}

TEST_F(RunnerTest, SigtermMidTurnEndsTheRunAndExitsWithinTenSeconds) {
    const auto out = workspace().parent_path() / ("runner-term-" + session_id());
    std::filesystem::create_directories(out);
    start_runner(
        {"RUNNER_TYPE=command", command_env("echo started > \"$OUT/started\"; sleep 120"), "OUT=" + out.string()});
    const auto seq = say("long work");
    wait_for_file(out / "started");
    const auto begin = std::chrono::steady_clock::now();
    const int status = runner().stop(std::chrono::seconds(15));
    const auto took = std::chrono::steady_clock::now() - begin;
    EXPECT_EQ(status, 0) << runner().log();
    EXPECT_LT(took, std::chrono::seconds(10));
    auto all = messages();
    const auto done = finished_lifecycle(all, seq);
    ASSERT_FALSE(done.is_null()) << all_text(all);
    EXPECT_EQ(done["status"], "error");
    EXPECT_NE(done["message"].get<std::string>().find("stopping"), std::string::npos) << done;
    std::filesystem::remove_all(out);
}

TEST_F(RunnerTest, TheSessionsRepositoryIsClonedAndTheAgentPushesThroughTheCredentialHelper) {
    const auto repo_root = workspace().parent_path() / ("runner-git-" + session_id());
    std::filesystem::create_directories(repo_root);
    FakeGitServer git(repo_root, kSecret);
    const auto id = grant_github_credential(kSecret);
    const std::string script =
        "git -c user.name=t -c user.email=t@t commit -q --allow-empty -m 'agent work' && git push -q 2>&1 && "
        "git rev-parse --abbrev-ref HEAD";
    start_runner({"RUNNER_TYPE=command", command_env(script), "CREDENTIAL_IDS=" + json{{"github", id}}.dump(),
                  "RUNNER_REPOS=" + json::array({{{"url", git.url()}, {"branch", "feature"}}}).dump()});
    const auto seq = say("commit and push");
    auto all = wait_for_turn(seq, std::chrono::seconds(60));
    ASSERT_EQ(finished_lifecycle(all, seq)["status"], "completed") << all_text(all) << runner().log();
    const auto cloned = workspace() / "repos" / "project";
    ASSERT_TRUE(std::filesystem::exists(cloned / ".git"));
    EXPECT_EQ(of_type(all, "assistant").at(0).payload, "feature\n");
    EXPECT_NE(git.ref("refs/heads/feature"), git.feature_commit());  // the push arrived
    EXPECT_EQ(git.anonymous_requests() > 0 || !git.offered().empty(), true);
    for (const auto& offer : git.offered())
        EXPECT_EQ(offer.password, kSecret);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(workspace())) {
        if (entry.is_regular_file()) {
            EXPECT_EQ(read_file(entry.path()).find(kSecret), std::string::npos) << entry.path();
        }
    }
    EXPECT_EQ(runner().log().find(kSecret), std::string::npos);
    std::filesystem::remove_all(repo_root);
}

TEST_F(RunnerTest, AWrongTokenForTheRepositoryFailsTheFirstTurnNamingIt) {
    const auto repo_root = workspace().parent_path() / ("runner-git-bad-" + session_id());
    std::filesystem::create_directories(repo_root);
    FakeGitServer git(repo_root, "the-right-token-0123456789");
    const auto id = grant_github_credential(kSecret);
    start_runner({"RUNNER_TYPE=echo", "CREDENTIAL_IDS=" + json{{"github", id}}.dump(),
                  "RUNNER_REPOS=" + json::array({git.url()}).dump()});
    const auto seq = say("hi");
    auto all = wait_for_turn(seq, std::chrono::seconds(60));
    const auto done = finished_lifecycle(all, seq);
    EXPECT_EQ(done["status"], "error");
    const std::string message = done["message"];
    EXPECT_NE(message.find(git.url()), std::string::npos) << message;
    EXPECT_EQ(all_text(all).find(kSecret), std::string::npos);
    std::filesystem::remove_all(repo_root);
}

}  // namespace
}  // namespace ambient::testing
