// acpctl session send | messages | events | clone | export against the real API server: the
// snapshot read page by page, following a conversation to the end of its run (replayed from
// the store when it already ended), the live events through the server's proxy, both follows
// across a restart of the API server — nothing missed, nothing shown twice —, a clone and a
// whole export.
#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <thread>

#include "cli/cli_fixture.hpp"
#include "common/ksuid.hpp"
#include "support/fake_runner.hpp"

namespace ambient::testing::cli {
namespace {

using namespace std::chrono_literals;

constexpr const char* kApi = "/api/ambient/v1";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// A payload as the runner writes it: text as it is, anything else as JSON.
std::string text_of(const json& payload) {
    return payload.is_string() ? payload.get<std::string>() : payload.dump();
}

// Polls `condition` until it holds (true) or the deadline passes (false).
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds deadline = 30s) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

class SessionCli : public CliTest {
protected:
    void SetUp() override {
        CliTest::SetUp();
        made("/projects", {{"name", "proj"}});
        id_ = made("/sessions", {{"name", "s"}, {"project_id", "proj"}}).value("id", "");
    }

    std::string path(const std::string& rest = "") const { return std::string(kApi) + "/sessions/" + id_ + rest; }

    std::int64_t say(const std::string& text) {
        auto r = admin().post(path("/messages"), json{{"event_type", "user"}, {"payload", text}}.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.status == 201 ? r.json().value("seq", std::int64_t{0}) : 0;
    }

    // Starts the session and mints its runner's token, which may write the runner's messages.
    std::string runner_token() {
        if (!started_) {
            auto start = admin().post(path("/start"), "");
            EXPECT_EQ(start.status, 200) << start.body;
            started_ = true;
        }
        auto r = admin().post(path("/runner_token"), "");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json().value("token", "");
    }

    // Writes what the runner writes back, as the runner (docs/runner.md "Write-back").
    void as_runner(const std::vector<std::pair<std::string, json>>& messages) {
        auto runner = server().client(false);
        runner.set_bearer(runner_token());
        for (const auto& [type, payload] : messages) {
            auto r = runner.post(path("/messages"), json{{"event_type", type}, {"payload", text_of(payload)}}.dump());
            ASSERT_EQ(r.status, 201) << type << ": " << r.body;
        }
    }

    void a_finished_run(std::int64_t user_seq, const std::string& run, const std::string& text) {
        as_runner({{"lifecycle", {{"event", "run_started"}, {"run_id", run}, {"user_seq", user_seq}}},
                   {"assistant", text},
                   {"lifecycle",
                    {{"event", "run_finished"},
                     {"status", "completed"},
                     {"run_id", run},
                     {"user_seq", user_seq},
                     {"usage", {{"output_tokens", 3}}}}}});
    }

    std::string id_;
    bool started_ = false;
};

TEST_F(SessionCli, SendPrintsTheSeqOrTheMessageAndReadsStdin) {
    auto r = acpctl({"session", "send", id_, "hello"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto stored = admin().get(path("/messages")).json();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0]["payload"], "hello");
    EXPECT_EQ(r.out, "sent (seq=" + std::to_string(stored[0]["seq"].get<std::int64_t>()) + ")\n");

    r = acpctl({"session", "send", id_, "-", "-o", "json"}, {}, "from stdin\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto sent = json::parse(r.out);
    EXPECT_EQ(sent["event_type"], "user");
    EXPECT_EQ(sent["payload"], "from stdin");
    EXPECT_GT(sent["seq"].get<std::int64_t>(), stored[0]["seq"].get<std::int64_t>());
}

TEST_F(SessionCli, MessagesReadsEveryPageOfTheSnapshot) {
    // More than the server's page of 500.
    std::vector<std::int64_t> seqs;
    for (int i = 0; i < 520; ++i)
        seqs.push_back(say("m" + std::to_string(i)));
    auto r = acpctl({"session", "messages", id_, "-o", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto all = json::parse(r.out);
    ASSERT_TRUE(all.is_array());
    ASSERT_EQ(all.size(), 520u);
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i]["seq"], seqs[i]);
        EXPECT_EQ(all[i]["payload"], "m" + std::to_string(i));
    }

    r = acpctl({"session", "messages", id_, "--after", std::to_string(seqs[517])});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 6u) << r.out;  // header, text, blank line: twice
    EXPECT_TRUE(std::regex_match(lines[0], std::regex("#" + std::to_string(seqs[518]) + " *  user {24}  \\d+s")))
        << lines[0];
    EXPECT_EQ(lines[1], "      m518");
    EXPECT_EQ(lines[2], "");
    EXPECT_EQ(lines[4], "      m519");
}

TEST_F(SessionCli, FollowingARunThatAlreadyEndedReplaysItAndExits) {
    const auto user = say("hi");
    a_finished_run(user, "r1", "echo: hi\nbye");
    const auto r = acpctl({"session", "messages", id_, "-f", "--after", "0"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(lines_of(r.out),
              (std::vector<std::string>{"USER hi", "RUN_STARTED r1", "TEXT_MESSAGE_CONTENT echo: hi\\nbye",
                                        "RUN_FINISHED r1 out=3"}));
}

TEST_F(SessionCli, FollowingAFailedRunEndsWithItsError) {
    const auto user = say("hi");
    as_runner({{"lifecycle", {{"event", "run_started"}, {"run_id", "r1"}, {"user_seq", user}}},
               {"error", {{"run_id", "r1"}, {"message", "agent crashed"}}},
               {"lifecycle",
                {{"event", "run_finished"},
                 {"status", "error"},
                 {"run_id", "r1"},
                 {"user_seq", user},
                 {"message", "agent crashed"}}}});
    const auto r = acpctl({"session", "messages", id_, "-f", "--json"});
    EXPECT_EQ(r.exit_code, 5);
    EXPECT_EQ(r.err, "Error: run failed: agent crashed\n");
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 4u) << r.out;
    for (const auto& line : lines)
        EXPECT_TRUE(json::parse(line).contains("seq")) << line;
}

TEST_F(SessionCli, SendFollowWaitsForTheRunOfItsOwnMessage) {
    const auto earlier = say("earlier");
    auto cli = acpctl_background({"session", "send", id_, "mine", "-f"});
    ASSERT_TRUE(cli->wait_for("sent (seq=")) << cli->err();
    const auto mine = admin().get(path("/messages")).json().back()["seq"].get<std::int64_t>();
    // The earlier turn's end is not this one's: the follow goes on to the second run.
    a_finished_run(earlier, "r1", "first answer");
    a_finished_run(mine, "r2", "second answer");
    ASSERT_EQ(cli->wait_exit(), 0) << cli->err();
    EXPECT_EQ(lines_of(cli->out()),
              (std::vector<std::string>{"sent (seq=" + std::to_string(mine) + ")", "RUN_STARTED r1",
                                        "TEXT_MESSAGE_CONTENT first answer", "RUN_FINISHED r1 out=3", "RUN_STARTED r2",
                                        "TEXT_MESSAGE_CONTENT second answer", "RUN_FINISHED r2 out=3"}));
}

TEST_F(SessionCli, MessagesFollowAcrossAnApiServerRestartMissesAndDoublesNothing) {
    auto cli = acpctl_background({"session", "messages", id_, "-f"});
    say("before-1");
    say("before-2");
    ASSERT_TRUE(cli->wait_for("USER before-2\n")) << cli->out() << cli->err();
    restart_server();
    // Written while acpctl is still reconnecting, then after it is back.
    say("during-1");
    say("during-2");
    ASSERT_TRUE(cli->wait_for("USER during-2\n")) << cli->out() << cli->err();
    const auto last = say("after");
    a_finished_run(last, "r1", "done");
    ASSERT_EQ(cli->wait_exit(), 0) << cli->err();
    EXPECT_EQ(lines_of(cli->out()), (std::vector<std::string>{"USER before-1", "USER before-2", "USER during-1",
                                                              "USER during-2", "USER after", "RUN_STARTED r1",
                                                              "TEXT_MESSAGE_CONTENT done", "RUN_FINISHED r1 out=3"}));
}

TEST_F(SessionCli, ContinuousFollowEndsOnlyOnCtrlC) {
    auto cli = acpctl_background({"session", "messages", id_, "-F"});
    const auto user = say("one");
    a_finished_run(user, "r1", "answer");
    say("two");
    ASSERT_TRUE(cli->wait_for("USER two\n")) << cli->out() << cli->err();
    cli->interrupt();
    ASSERT_EQ(cli->wait_exit(), 0) << cli->err();
    EXPECT_EQ(lines_of(cli->out()).back(), "USER two");
}

TEST_F(SessionCli, EventsFollowTheRunnerThroughTheProxyAcrossARestart) {
    FakeRunner runner(id_, -1, 20ms);
    auto r = admin().patch(path("/status"), json{{"runner_url", runner.url()}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    auto cli = acpctl_background({"session", "events", id_, "--json"});
    ASSERT_TRUE(cli->wait_for("\"n\":5}")) << cli->out() << cli->err();
    restart_server();
    const auto seen = lines_of(cli->out()).size();
    ASSERT_TRUE(cli->wait_for("\"n\":" + std::to_string(seen + 20) + "}")) << cli->out() << cli->err();
    EXPECT_FALSE(runner.last_event_id().empty()) << "the resumed stream carried no Last-Event-ID";
    cli->interrupt();
    ASSERT_EQ(cli->wait_exit(), 0) << cli->err();
    // Every event once, in order: n counts 1, 2, 3, … without a gap or a repeat.
    int expected = 1;
    for (const auto& line : lines_of(cli->out())) {
        const auto event = json::parse(line);
        EXPECT_EQ(event["type"], "TEXT_MESSAGE_CONTENT");
        ASSERT_EQ(event["n"], expected) << cli->out();
        ++expected;
    }
    EXPECT_GT(expected, static_cast<int>(seen) + 20);
}

TEST_F(SessionCli, EventLinesBeginWithTheEventType) {
    // Three events a connection: the stream ends and is resumed from the last id.
    FakeRunner runner(id_, 3, 10ms);
    ASSERT_EQ(admin().patch(path("/status"), json{{"runner_url", runner.url()}}.dump()).status, 200);
    auto cli = acpctl_background({"session", "events", id_});
    ASSERT_TRUE(eventually([&] { return lines_of(cli->out()).size() >= 7; })) << cli->out() << cli->err();
    cli->interrupt();
    ASSERT_EQ(cli->wait_exit(), 0) << cli->err();
    for (const auto& line : lines_of(cli->out()))
        EXPECT_EQ(line, "TEXT_MESSAGE_CONTENT");
    // Each connection resumed after the last event the one before it delivered.
    const auto resumed_after = runner.last_event_id();
    ASSERT_FALSE(resumed_after.empty());
    EXPECT_EQ(std::stoi(resumed_after) % 3, 0) << resumed_after;
}

TEST_F(SessionCli, EventsOfASessionWithoutARunnerIsOneServerErrorLine) {
    const auto r = acpctl({"session", "events", id_});
    EXPECT_EQ(r.exit_code, 5);
    EXPECT_NE(r.err.find("session has no runner"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(SessionCli, AnUnknownSessionIsNotFound) {
    const std::string unknown = "2ZZZZZZZZZZZZZZZZZZZZZZZZZZ";
    for (const auto& args : std::vector<std::vector<std::string>>{{"session", "messages", unknown},
                                                                  {"session", "messages", unknown, "-f"},
                                                                  {"session", "events", unknown},
                                                                  {"session", "send", unknown, "hi"}}) {
        const auto r = acpctl(args);
        EXPECT_EQ(r.exit_code, 2) << args[1] << " " << args.back() << ": " << r.err;
        EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
    }
}

TEST_F(SessionCli, CloneCreatesASessionWithTheSourcesSettings) {
    auto r = acpctl({"session", "clone", id_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::regex line("session/([0-9A-Za-z]{27}) created\n");
    std::smatch match;
    ASSERT_TRUE(std::regex_match(r.out, match, line)) << r.out;
    const auto copy = admin().get(std::string(kApi) + "/sessions/" + match[1].str()).json();
    EXPECT_EQ(copy["name"], "s-clone");
    EXPECT_EQ(copy["parent_session_id"], id_);
    EXPECT_EQ(copy["project_id"], "proj");

    r = acpctl({"session", "clone", id_, "--name", "again", "-o", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out)["name"], "again");

    r = acpctl({"session", "clone", new_ksuid()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err.rfind("Error: clone session \"", 0), 0u) << r.err;
}

TEST_F(SessionCli, ExportPrintsTheSessionAndEveryMessage) {
    std::vector<std::int64_t> seqs;
    for (int i = 0; i < 520; ++i)
        seqs.push_back(say("m" + std::to_string(i)));
    auto r = acpctl({"session", "export", id_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = json::parse(r.out);
    EXPECT_EQ(doc["kind"], "SessionExport");
    EXPECT_EQ(doc["session"]["id"], id_);
    ASSERT_EQ(doc["messages"].size(), seqs.size());
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        EXPECT_EQ(doc["messages"][i]["seq"], seqs[i]);
        EXPECT_EQ(doc["messages"][i]["payload"], "m" + std::to_string(i));
    }

    r = acpctl({"session", "export", new_ksuid()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(r.err.rfind("Error: export session \"", 0), 0u) << r.err;
}

// The real runner answering: the whole path a user takes.
class SessionWithRunner : public SessionCli {
protected:
    // Starts ambient-runner for the session with `agent` (RUNNER_TYPE and its settings) and
    // points the session's runner_url at its AG-UI server, as the control plane would.
    void start_runner(const std::vector<std::string>& agent) {
        const auto token_file = workspace_.path() / "bot-token";
        std::ofstream(token_file) << runner_token();
        ::chmod(token_file.c_str(), 0600);
        std::vector<std::string> env = {"SESSION_ID=" + id_,
                                        "PROJECT_NAME=proj",
                                        "BACKEND_API_URL=" + api_url(),
                                        "BOT_TOKEN_FILE=" + token_file.string(),
                                        "WORKSPACE_PATH=" + (workspace_.path() / "ws").string(),
                                        "AGUI_HOST=127.0.0.1",
                                        "AGUI_PORT=0"};
        env.insert(env.end(), agent.begin(), agent.end());
        runner_ = std::make_unique<ServerProcess>(binary_dir() / "ambient-runner", std::vector<std::string>{}, env);
        const auto url = "http://127.0.0.1:" + std::to_string(runner_->port());
        auto r = admin().patch(path("/status"), json{{"runner_url", url}}.dump());
        ASSERT_EQ(r.status, 200) << r.body;
    }
    void TearDown() override {
        runner_.reset();
        SessionCli::TearDown();
    }

    TempDir workspace_;
    std::unique_ptr<ServerProcess> runner_;
};

TEST_F(SessionWithRunner, SendFollowShowsTheAnswer) {
    start_runner({"RUNNER_TYPE=echo"});
    const auto r = acpctl({"session", "send", id_, "hello there", "-f"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 4u) << r.out;
    EXPECT_TRUE(lines[0].starts_with("sent (seq=")) << r.out;
    EXPECT_TRUE(lines[1].starts_with("RUN_STARTED ")) << r.out;
    EXPECT_EQ(lines[2], "TEXT_MESSAGE_CONTENT echo: hello there");
    EXPECT_TRUE(lines[3].starts_with("RUN_FINISHED ")) << r.out;
}

TEST_F(SessionWithRunner, SendFollowOfAFailingRunIsItsError) {
    start_runner({"RUNNER_TYPE=command", R"(RUNNER_COMMAND=["/bin/sh","-c","echo broken >&2; exit 3"])"});
    const auto r = acpctl({"session", "send", id_, "go", "-f"});
    EXPECT_EQ(r.exit_code, 5) << r.out;
    EXPECT_TRUE(r.err.starts_with("Error: run failed: ")) << r.err;
    EXPECT_NE(r.err.find("broken"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(lines_of(r.out).back().starts_with("RUN_ERROR ")) << r.out;
}

TEST_F(SessionWithRunner, EventsUntilDoneEndsAtTheRunsEnd) {
    start_runner({"RUNNER_TYPE=echo"});
    auto cli = acpctl_background({"session", "events", id_, "--until-done"});
    // The stream is live from the moment it opens, so a turn sent before that is not in it:
    // turns are sent until one is seen to its end.
    std::optional<int> status;
    for (int turn = 0; turn < 20 && !status; ++turn) {
        say("turn " + std::to_string(turn));
        status = cli->wait_exit(2s);
    }
    ASSERT_EQ(status, 0) << cli->out() << cli->err();
    const auto lines = lines_of(cli->out());
    ASSERT_FALSE(lines.empty());
    for (const auto& line : lines)
        EXPECT_TRUE(std::regex_match(line, std::regex("[A-Z_]+( .*)?"))) << line;
    EXPECT_TRUE(lines.back().starts_with("RUN_FINISHED ")) << cli->out();
    EXPECT_NE(cli->out().find("TEXT_MESSAGE_CONTENT echo:"), std::string::npos) << cli->out();
}

}  // namespace
}  // namespace ambient::testing::cli
