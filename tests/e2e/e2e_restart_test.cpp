// Issue 11: "Control-plane restart". A control plane killed with SIGKILL mid-session and
// started again adopts the runners it left (none is started twice), rewrites every live token
// file within 1 s of its start, and the sessions go on.
#include <signal.h>

#include <thread>

#include "e2e/e2e_fixture.hpp"

namespace ambient::testing::e2e {
namespace {

using Clock = std::chrono::steady_clock;

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

}  // namespace
}  // namespace ambient::testing::e2e
