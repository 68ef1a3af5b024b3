// Issue 11: "Control-plane restart". A control plane killed with SIGKILL mid-session and
// started again adopts the runners it left (none is started twice), rewrites every live token
// file within 1 s of its start, and the sessions go on.
#include <signal.h>

#include <thread>

#include "e2e/e2e_fixture.hpp"

namespace ambient::testing::e2e {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Echoes its input; a message mentioning the restart takes 3 s, so a turn is running then.
constexpr const char* kAgent = "p=$(cat); case \"$p\" in *restart*) sleep 3;; esac; echo \"$p\"";

TEST_F(E2eTest, KilledControlPlaneAdoptsItsRunnersAndRewritesEveryTokenWithinASecond) {
    // A long refresh interval: a token rewritten after the restart is the restart's doing.
    E2eOptions options;
    options.token_refresh_interval = "10m";
    start(options);
    create_project("restart");
    std::vector<std::string> ids;
    for (int i = 0; i < 2; ++i)
        ids.push_back(create_session("restart", kAgent));
    for (const auto& id : ids)
        start_session(id);
    std::map<std::string, std::vector<pid_t>> runners;
    std::map<std::string, std::uint64_t> inodes;
    std::map<std::string, std::optional<pid_t>> records;
    for (const auto& id : ids) {
        wait_for_phase(id, "Running");
        EXPECT_NE(ask(id, "before " + id).find("before " + id), std::string::npos);
        runners[id] = runner_processes(id);
        ASSERT_EQ(runners[id].size(), 1u) << id;
        inodes[id] = token_inode(id);
        records[id] = recorded_pid(id);
        ASSERT_TRUE(records[id]) << "no pid in " << id << "/runner.json";
    }
    // Mid-session: a turn is running (the agent takes 3 s over it).
    const auto busy = ids[0];
    auto events = open_events(busy);
    ASSERT_EQ(events->status(), 200) << events->response().body;
    const auto busy_seq = say(busy, "during the restart");
    read_events(*events, [](const AguiEvent& e) { return e.type == "RUN_STARTED"; });

    kill_control_plane();
    const auto started = Clock::now();
    start_control_plane(/*wait_healthy=*/false);
    std::map<std::string, Clock::duration> rewritten;
    eventually(
        [&] {
            for (const auto& id : ids)
                if (!rewritten.count(id) && token_inode(id) != inodes[id] && !read_token(id).empty())
                    rewritten[id] = Clock::now() - started;
            return rewritten.size() == ids.size();
        },
        5s);
    for (const auto& id : ids) {
        ASSERT_TRUE(rewritten.count(id)) << "token of " << id << " not rewritten within 5 s";
        RecordProperty("token_rewritten_ms_" + id,
                       static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(rewritten[id]).count()));
        EXPECT_LE(rewritten[id], 1s) << id << ": rewritten after "
                                     << std::chrono::duration_cast<std::chrono::milliseconds>(rewritten[id]).count()
                                     << " ms";
    }
    wait_until_healthy();

    // The same runner processes, one per session, and they carry on: the turn that was running
    // finishes, on the events stream opened before the crash too.
    wait_for_turn(busy, busy_seq);
    const auto rest = read_events(*events, [](const AguiEvent& e) { return e.type == "RUN_FINISHED"; });
    ASSERT_FALSE(rest.empty());
    EXPECT_EQ(rest.back().type, "RUN_FINISHED");
    for (const auto& id : ids) {
        EXPECT_EQ(runner_processes(id), runners[id]) << "runner of " << id << " replaced or duplicated";
        EXPECT_EQ(recorded_pid(id), records[id]) << "the adoption record of " << id << " changed";
        EXPECT_EQ(session(id).value("phase", ""), "Running");
        EXPECT_NE(ask(id, "after " + id).find("after " + id), std::string::npos);
        EXPECT_EQ(runner_processes(id), runners[id]) << "runner of " << id << " replaced or duplicated";
    }
}

// A runner the control plane did not start (adopted after a restart) is no child of it: its
// end is still noticed, and the session fails with a reason like any other.
TEST_F(E2eTest, AdoptedRunnerThatDiesFailsItsSession) {
    start();
    create_project("adopted");
    const auto id = run_session("adopted", "cat");
    kill_control_plane();
    start_control_plane();
    const auto runners = runner_processes(id);
    ASSERT_EQ(runners.size(), 1u);
    EXPECT_NE(ask(id, "adopted?").find("adopted?"), std::string::npos);
    ASSERT_EQ(::kill(runners[0], SIGKILL), 0);
    const auto failed = wait_for_phase(id, "Failed", 30s);
    EXPECT_NE(failed.dump().find("RunnerExited"), std::string::npos) << failed.dump(2);
    EXPECT_TRUE(runner_processes(id).empty());
}

// Issue 15, item 4, on PostgreSQL: the control plane killed (its runner adopted), then the
// runner killed in the middle of a turn. The session fails with a reason; started again, its
// new runner ends the interrupted turn with an error saying why instead of running it a
// second time, and answers what comes next.
TEST_F(E2eTest, OnPostgresKilledControlPlaneAndRunnerMidTurnRecoverAndAnswerNothingTwice) {
    start({.backend = Backend::Postgres});
    create_project("pgkill");
    const auto id = run_session(
        "pgkill",
        "read -r line; case \"$line\" in slow*) echo \"started $line\"; exec sleep 120;; esac; echo \"echo $line\"");
    EXPECT_NE(ask(id, "hello").find("echo hello"), std::string::npos);

    kill_control_plane();
    start_control_plane();
    const auto runners = runner_processes(id);
    ASSERT_EQ(runners.size(), 1u);
    EXPECT_NE(ask(id, "adopted").find("echo adopted"), std::string::npos);

    const auto slow = say(id, "slow one");
    auto started_turns = [&](std::int64_t seq) {
        int n = 0;
        for (const auto& m : messages(id)) {
            const auto j = json::parse(m.payload, nullptr, false);
            n += m.event_type == "lifecycle" && j.is_object() && j.value("event", "") == "run_started" &&
                 j.value("user_seq", std::int64_t{-1}) == seq;
        }
        return n;
    };
    ASSERT_TRUE(eventually([&] { return started_turns(slow) == 1; }, 30s)) << "the slow turn never started";
    ASSERT_EQ(::kill(runners[0], SIGKILL), 0);
    const auto failed = wait_for_phase(id, "Failed", 30s);
    EXPECT_NE(failed.dump().find("RunnerExited"), std::string::npos) << failed.dump(2);

    start_session(id);
    wait_for_phase(id, "Running");
    const auto ended = wait_for_turn(id, slow, 30s);
    ASSERT_FALSE(ended.is_null());
    EXPECT_EQ(ended.value("status", ""), "error");
    EXPECT_NE(ended.value("message", "").find("killed"), std::string::npos) << ended;
    EXPECT_NE(ask(id, "after").find("echo after"), std::string::npos);
    EXPECT_EQ(started_turns(slow), 1) << "the interrupted turn ran again";
    EXPECT_EQ(answer_to(id, slow).find("started slow one"), std::string::npos)
        << "the killed turn's partial answer was stored or repeated";
}

}  // namespace
}  // namespace ambient::testing::e2e
