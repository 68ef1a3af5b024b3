// A control plane's restart: a second LocalRuntime over the same data dir takes back the
// runners the first left running (no second process, ready at once) and cleans up after the
// ones that are gone.
#include <sys/wait.h>
#include <unistd.h>

#include "common/client/http_client.hpp"
#include "controlplane/runtimes/local/cgroup.hpp"
#include "controlplane/runtimes/local/proc.hpp"
#include "controlplane/runtimes/local/runner_record.hpp"
#include "local_runtime_fixture.hpp"

namespace ambient::controlplane::testing {
namespace {

class Adoption : public LocalRuntimeTest, public ::testing::WithParamInterface<SandboxKind> {};

TEST_P(Adoption, ASecondRuntimeAdoptsALiveRunnerWithoutStartingAnother) {
    const auto o = options(GetParam(), runner_binary());
    auto& first = make(o);
    first.provision({session("s-live"), R"({})", "t1"});
    ASSERT_TRUE(recorder_.wait_ready("s-live")) << read_text(log_of("s-live"));
    const auto url = first.ready_url("s-live");
    ASSERT_TRUE(url.has_value());
    // The record is complete once the runner is ready.
    const auto record_path = data_dir_ / "s-live" / "runner.json";
    ASSERT_TRUE(eventually([&] {
        auto r = read_record(record_path);
        return r && r->port != 0 && r->runner_pid != 0;
    }));
    const auto before = *read_record(record_path);
    runtimes_.front().reset();  // the control plane goes away; its runner does not
    ASSERT_TRUE(proc::same_process(before.runner_pid, before.runner_start));

    auto& second = make(o);
    EXPECT_EQ(second.adopt(), std::vector<std::string>{"s-live"});
    EXPECT_TRUE(second.has_runner("s-live"));
    EXPECT_EQ(second.ready_url("s-live"), url);  // ready at once, same port
    EXPECT_EQ(client::HttpClient(*url).request("GET", "/health").status, 200);
    const auto after = read_record(record_path);
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->pid, before.pid);  // no second runner
    EXPECT_EQ(after->runner_pid, before.runner_pid);
    // A provision of an adopted session keeps it.
    second.provision({session("s-live"), R"({})", "t2"});
    EXPECT_EQ(read_record(record_path)->pid, before.pid);
    EXPECT_TRUE(second.write_token("s-live", "t3"));
    EXPECT_EQ(read_text(data_dir_ / "s-live" / "token" / "bot-token"), "t3");

    second.stop("s-live");
    const auto exit = recorder_.wait_exit("s-live");
    ASSERT_TRUE(exit.has_value());
    EXPECT_TRUE(exit->requested);
    EXPECT_EQ(exit->exit_code, -1);  // not our child any more: its status is unknown
    EXPECT_TRUE(eventually([&] { return !proc::same_process(before.runner_pid, before.runner_start); }));
}

TEST_P(Adoption, ADeadRecordedRunnerIsNotAdoptedAndItsRecordIsCleaned) {
    // A pid that is certainly gone: a child that has exited and been reaped.
    const pid_t gone = ::fork();
    if (gone == 0) ::_exit(0);
    ::waitpid(gone, nullptr, 0);
    std::filesystem::create_directories(data_dir_ / "s-dead" / "workspace");
    std::ofstream(data_dir_ / "s-dead" / "workspace" / "work.txt") << "kept";
    RunnerRecord rec;
    rec.sandbox = GetParam();
    rec.pid = gone;
    rec.pid_start = 12345;
    rec.port = 9;
    write_record(data_dir_ / "s-dead" / "runner.json", rec);
    // And one whose pid is alive but is not the recorded process (another start time).
    std::filesystem::create_directories(data_dir_ / "s-reused");
    rec.pid = ::getpid();
    write_record(data_dir_ / "s-reused" / "runner.json", rec);

    auto& rt = make(options(GetParam(), runner_binary()));
    EXPECT_TRUE(rt.adopt().empty());
    EXPECT_FALSE(rt.has_runner("s-dead"));
    EXPECT_FALSE(std::filesystem::exists(data_dir_ / "s-dead" / "runner.json"));
    EXPECT_FALSE(std::filesystem::exists(data_dir_ / "s-reused" / "runner.json"));
    EXPECT_EQ(read_text(data_dir_ / "s-dead" / "workspace" / "work.txt"), "kept");  // the workspace stays
    // A provision starts it again in the same workspace.
    rt.provision({session("s-dead"), R"({})", "t"});
    EXPECT_TRUE(recorder_.wait_ready("s-dead")) << read_text(log_of("s-dead"));
}

TEST_P(Adoption, ALiveRunnerThatDoesNotAnswerIsKilledNotAdopted) {
    const auto o = options(GetParam(), script("mute.sh", "echo started\nexec sleep 1000\n"));
    auto& first = make(o);
    first.provision({session("s-mute"), R"({})", "t"});
    ASSERT_TRUE(eventually([&] { return log_has("s-mute", "started"); }));
    const auto rec = read_record(data_dir_ / "s-mute" / "runner.json");
    ASSERT_TRUE(rec.has_value());
    runtimes_.front().reset();
    ASSERT_TRUE(proc::same_process(rec->pid, rec->pid_start));

    auto& second = make(o);
    EXPECT_TRUE(second.adopt().empty());
    EXPECT_FALSE(second.has_runner("s-mute"));
    EXPECT_TRUE(eventually([&] { return !proc::same_process(rec->pid, rec->pid_start); }));
    EXPECT_FALSE(std::filesystem::exists(data_dir_ / "s-mute" / "runner.json"));
    for (const auto& group : rec->cgroups)
        EXPECT_FALSE(std::filesystem::exists(group)) << group;
}

TEST_P(Adoption, AnEmptyCgroupLeftWithoutARecordIsRemoved) {
    const auto roots = detect_cgroups();
    if (roots.mode == CgroupMode::None) GTEST_SKIP() << "no writable cgroup";
    std::filesystem::create_directories(data_dir_ / "s-left" / "workspace");
    const auto leftover = RunnerCgroup::create(roots, "s-left", 64u << 20, 16);
    ASSERT_FALSE(leftover.dirs().empty());
    auto& rt = make(options(GetParam(), runner_binary()));
    EXPECT_TRUE(rt.adopt().empty());
    for (const auto& group : leftover.dirs())
        EXPECT_FALSE(std::filesystem::exists(group)) << group;
}

INSTANTIATE_TEST_SUITE_P(Sandboxes, Adoption, ::testing::Values(SandboxKind::None, SandboxKind::Bwrap),
                         [](const auto& info) { return std::string(sandbox_name(info.param)); });

}  // namespace
}  // namespace ambient::controlplane::testing
