// Issue 11: "Stop, fail, delete". What each end of a session does to its runner and to the
// others: a stop ends the runner and its token, a runner that dies fails its session with a
// reason, a project delete stops and cleans only that project's sessions, a session delete
// touches no other session.
#include <signal.h>

#include <fstream>

#include "e2e/e2e_fixture.hpp"

namespace ambient::testing::e2e {
namespace {

constexpr const char* kApi = "/api/ambient/v1";

bool alive(const std::vector<pid_t>& pids) {
    for (const pid_t pid : pids)
        if (::kill(pid, 0) == 0) return true;
    return false;
}

TEST_F(E2eTest, StopEndsTheRunnerAndItsToken) {
    start();
    create_project("stop");
    const auto id = run_session("stop", "cat");
    EXPECT_NE(ask(id, "hello").find("hello"), std::string::npos);
    const auto token = read_token(id);
    const auto runners = runner_processes(id);
    ASSERT_EQ(runners.size(), 1u);

    ASSERT_EQ(api().post(std::string(kApi) + "/sessions/" + id + "/stop", "").status, 200);
    wait_for_phase(id, "Stopped", 30s);
    EXPECT_TRUE(eventually([&] { return !alive(runners) && runner_processes(id).empty(); }, 15s))
        << "the runner outlived its session's stop";
    HttpClient as_runner(api_server().process().host(), api_server().process().port());
    as_runner.set_bearer(token);
    EXPECT_EQ(as_runner.get(std::string(kApi) + "/sessions/" + id).status, 401);
    EXPECT_EQ(as_runner.get(std::string(kApi) + "/sessions/" + id + "/messages").status, 401);
}

TEST_F(E2eTest, KilledRunnerFailsItsSessionWithAReason) {
    start();
    create_project("fail");
    const auto id = run_session("fail", "cat");
    const auto runners = runner_processes(id);
    ASSERT_EQ(runners.size(), 1u);
    ASSERT_EQ(::kill(runners[0], SIGKILL), 0);

    const auto failed = wait_for_phase(id, "Failed", 30s);
    // JSON text, as upstream's status fields; an array is read as well.
    auto conditions = failed.contains("conditions") ? failed["conditions"] : nlohmann::json::array();
    if (conditions.is_string()) conditions = nlohmann::json::parse(conditions.get<std::string>(), nullptr, false);
    ASSERT_TRUE(conditions.is_array()) << failed.dump(2);
    bool found = false;
    for (const auto& c : conditions) {
        if (c.value("type", "") != "RunnerExited") continue;
        found = true;
        EXPECT_FALSE(c.value("reason", "").empty()) << c.dump();
        // The runner's last log lines, so the reason can be followed up without the host.
        EXPECT_NE(c.value("message", "").find("ambient-runner"), std::string::npos) << c.dump();
    }
    EXPECT_TRUE(found) << failed.dump(2);
    // Failed is final: nothing starts it again by itself.
    EXPECT_TRUE(runner_processes(id).empty());
}

TEST_F(E2eTest, ProjectDeleteStopsAndCleansOnlyItsSessions) {
    start();
    create_project("doomed");
    create_project("kept");
    const std::vector<std::string> gone = {run_session("doomed", "cat"), run_session("doomed", "cat")};
    const auto kept = run_session("kept", "cat");
    std::ofstream(workspace(kept) / "work.txt") << "unfinished work";
    const auto kept_runner = runner_processes(kept);
    std::map<std::string, std::vector<pid_t>> gone_runners;
    for (const auto& id : gone)
        gone_runners[id] = runner_processes(id);

    ASSERT_EQ(api().del(std::string(kApi) + "/projects/doomed").status, 204);
    for (const auto& id : gone) {
        EXPECT_TRUE(
            eventually([&] { return !alive(gone_runners[id]) && !std::filesystem::exists(session_dir(id)); }, 20s))
            << "session " << id << " of the deleted project not stopped and cleaned";
    }
    EXPECT_EQ(runner_processes(kept), kept_runner);
    EXPECT_EQ(session(kept).value("phase", ""), "Running");
    EXPECT_TRUE(std::filesystem::exists(workspace(kept) / "work.txt"));
    EXPECT_TRUE(std::filesystem::exists(token_file(kept)));
    EXPECT_NE(ask(kept, "still on").find("still on"), std::string::npos);
}

TEST_F(E2eTest, SessionDeleteTouchesNoOtherSession) {
    start();
    create_project("del");
    const auto deleted = run_session("del", "cat");
    const auto kept = run_session("del", "cat");
    std::ofstream(workspace(kept) / "work.txt") << "unfinished work";
    const auto kept_runner = runner_processes(kept);
    const auto kept_token = read_token(kept);
    const auto deleted_runner = runner_processes(deleted);

    ASSERT_EQ(api().del(std::string(kApi) + "/sessions/" + deleted).status, 204);
    EXPECT_TRUE(
        eventually([&] { return !alive(deleted_runner) && !std::filesystem::exists(session_dir(deleted)); }, 20s))
        << "the deleted session's runner or files are left";
    EXPECT_EQ(runner_processes(kept), kept_runner);
    EXPECT_EQ(session(kept).value("phase", ""), "Running");
    EXPECT_TRUE(std::filesystem::exists(workspace(kept) / "work.txt"));
    EXPECT_FALSE(read_token(kept).empty());
    EXPECT_NE(ask(kept, "still on").find("still on"), std::string::npos);
}

}  // namespace
}  // namespace ambient::testing::e2e
