// What a runner's agent can and cannot do inside the bubblewrap sandbox, probed from inside
// by a stand-in script: write only its workspace (and private /tmp), read no other session's
// workspace or token file, see only its own processes, hold no capability, run as the
// unprivileged uid, and die at its memory limit with the reason said.
#include <unistd.h>

#include "local_runtime_fixture.hpp"

namespace ambient::controlplane::testing {
namespace {

class SandboxIsolation : public LocalRuntimeTest {};

TEST_F(SandboxIsolation, AnAgentIsConfinedToItsWorkspace) {
    // A sibling session with a runner (a long sleeper) and a file in its workspace.
    auto& sibling_rt = make(options(SandboxKind::Bwrap, script("sleeper.sh", "echo started\nexec sleep 1000\n")));
    sibling_rt.provision({session("sibling"), R"({})", "secret-of-sibling"});
    ASSERT_TRUE(eventually([&] { return log_has("sibling", "started"); }));
    std::ofstream(data_dir_ / "sibling" / "workspace" / "notes.txt") << "private notes";

    const auto sibling_ws = (data_dir_ / "sibling" / "workspace").string();
    const auto sibling_token = (data_dir_ / "sibling" / "token" / "bot-token").string();
    // /tmp is the sandbox's own: outside means the host's file system.
    const auto outside = "/var/tmp/ambient-probe-" + std::to_string(::getpid());
    auto& rt =
        make(options(SandboxKind::Bwrap,
                     script("probe.sh",
                            "try() { if eval \"$2\" >/dev/null 2>&1; then echo \"$1=yes\"; else echo \"$1=no\"; fi; }\n"
                            "try write-workspace 'echo x > \"$WORKSPACE_PATH/mine.txt\"'\n"
                            "try write-tmp 'echo x > /tmp/mine.txt'\n"
                            "try write-etc 'echo x > /etc/ambient-probe'\n"
                            "try write-usr 'echo x > /usr/ambient-probe'\n"
                            "try write-outside 'echo x > \"$PROBE_OUTSIDE\"'\n"
                            "try write-data-dir 'echo x > \"$PROBE_DATA_DIR/planted\"'\n"
                            "try write-token-dir 'echo x > \"$(dirname \"$BOT_TOKEN_FILE\")/planted\"'\n"
                            "try read-own-token 'cat \"$BOT_TOKEN_FILE\"'\n"
                            "try read-sibling-token 'cat \"$PROBE_SIBLING_TOKEN\"'\n"
                            "try list-sibling-workspace 'ls \"$PROBE_SIBLING_WS\"/notes.txt'\n"
                            "try read-shadow 'cat /etc/shadow'\n"
                            "echo \"uid=$(id -u)\"\n"
                            "echo \"pids=$(ls /proc | grep -c '^[0-9]')\"\n"
                            "echo \"pid1=$(cat /proc/1/comm)\"\n"
                            "grep '^CapEff' /proc/self/status\n"
                            "grep '^CapBnd' /proc/self/status\n")));
    rt.provision({session("prober", {{"PROBE_SIBLING_TOKEN", sibling_token},
                                     {"PROBE_SIBLING_WS", sibling_ws},
                                     {"PROBE_OUTSIDE", outside},
                                     {"PROBE_DATA_DIR", data_dir_.string()}}),
                  R"({})", "secret-of-prober"});
    ASSERT_TRUE(recorder_.wait_exit("prober").has_value());
    const auto out = read_text(log_of("prober"));
    auto has = [&](const std::string& line) { return out.find(line + "\n") != std::string::npos; };
    EXPECT_TRUE(has("write-workspace=yes")) << out;
    EXPECT_TRUE(has("write-tmp=yes")) << out;
    EXPECT_TRUE(has("write-etc=no")) << out;
    EXPECT_TRUE(has("write-usr=no")) << out;
    EXPECT_TRUE(has("write-outside=no")) << out;
    EXPECT_TRUE(has("write-data-dir=no")) << out;
    EXPECT_TRUE(has("write-token-dir=no")) << out;
    EXPECT_TRUE(has("read-own-token=yes")) << out;
    EXPECT_TRUE(has("read-sibling-token=no")) << out;
    EXPECT_TRUE(has("list-sibling-workspace=no")) << out;
    EXPECT_TRUE(has("read-shadow=no")) << out;
    EXPECT_TRUE(has("pid1=bwrap")) << out;
    EXPECT_TRUE(has("CapEff:\t0000000000000000")) << out;
    EXPECT_TRUE(has("CapBnd:\t0000000000000000")) << out;
    if (::geteuid() == 0) {
        EXPECT_TRUE(has("uid=65534")) << out;
    }
    // Its own processes only: bwrap's init, the shell, the command substitution's children.
    const auto pids = out.find("pids=");
    ASSERT_NE(pids, std::string::npos);
    EXPECT_LE(std::stoi(out.substr(pids + 5)), 5) << out;
    EXPECT_TRUE(std::filesystem::exists(data_dir_ / "prober" / "workspace" / "mine.txt"));
    EXPECT_FALSE(std::filesystem::exists(outside));
    EXPECT_FALSE(std::filesystem::exists(data_dir_ / "planted"));
    EXPECT_FALSE(std::filesystem::exists(data_dir_ / "prober" / "token" / "planted"));
}

TEST_F(SandboxIsolation, AServiceTokenFileIsHiddenFromRunners) {
    const auto secret = tmp_.path() / "service-token";
    std::ofstream(secret) << "service-secret";
    ::chmod(secret.c_str(), 0644);  // even readable by everyone: the sandbox hides it
    auto o = options(SandboxKind::Bwrap, script("hidden.sh", "echo \"content=$(cat \"$PROBE_SECRET\")\"\n"));
    o.hidden_paths = {secret};
    auto& rt = make(o);
    rt.provision({session("s-hide", {{"PROBE_SECRET", secret.string()}}), R"({})", "t"});
    ASSERT_TRUE(recorder_.wait_exit("s-hide").has_value());
    const auto out = read_text(log_of("s-hide"));
    EXPECT_NE(out.find("content=\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("service-secret"), std::string::npos) << out;
}

class Limits : public LocalRuntimeTest, public ::testing::WithParamInterface<SandboxKind> {};

TEST_P(Limits, ARunnerPastItsLimitsIsKilledWithTheReason) {
    // `tail` keeps a whole newline-less input in memory.
    auto& rt = make(options(GetParam(), script("hog.sh",
                                               "echo started\nhead -c 400000000 /dev/zero | tail\n"
                                               "echo survived\nexec sleep 1000\n")));
    rt.provision({session("s-hog", {}, R"({"memory":"64Mi"})"), R"({})", "t"});
    const auto exit = recorder_.wait_exit("s-hog", std::chrono::seconds(60));
    ASSERT_TRUE(exit.has_value());
    EXPECT_FALSE(exit->requested);
    EXPECT_EQ(exit->reason, "killed: memory limit of 64 MiB reached") << exit->last_log_lines;
    EXPECT_NE(exit->exit_code, 0);
}

TEST_P(Limits, WithoutACgroupTheRssWatchdogKillsWithTheReason) {
    auto o = options(GetParam(), script("hog.sh",
                                        "echo started\nhead -c 400000000 /dev/zero | tail\n"
                                        "echo survived\nexec sleep 1000\n"));
    o.use_cgroups = false;
    auto& rt = make(o);
    EXPECT_NE(rt.describe().find("RSS watchdog"), std::string::npos) << rt.describe();
    rt.provision({session("s-hog", {}, R"({"memory":"64Mi"})"), R"({})", "t"});
    const auto exit = recorder_.wait_exit("s-hog", std::chrono::seconds(60));
    ASSERT_TRUE(exit.has_value());
    EXPECT_FALSE(exit->requested);
    EXPECT_EQ(exit->reason, "killed: memory limit of 64 MiB reached") << exit->last_log_lines;
    EXPECT_EQ(read_text(log_of("s-hog")).find("survived"), std::string::npos);
}

TEST_P(Limits, ARunnerCannotStartMoreProcessesThanItsPidsLimit) {
    auto& rt = make(options(GetParam(), script("forks.sh",
                                               "i=0\nwhile [ $i -lt 64 ]; do sleep 1000 & i=$((i+1)); done\n"
                                               "echo done\n")));
    if (rt.describe().find("pids") == std::string::npos || rt.describe().find("pids not limited") != std::string::npos)
        GTEST_SKIP() << "no pids controller: " << rt.describe();
    rt.provision({session("s-forks", {}, R"({"pids":16})"), R"({})", "t"});
    const auto exit = recorder_.wait_exit("s-forks", std::chrono::seconds(30));
    ASSERT_TRUE(exit.has_value());
    const auto log = read_text(log_of("s-forks"));
    EXPECT_TRUE(log.find("fork") != std::string::npos ||
                log.find("Resource temporarily unavailable") != std::string::npos)
        << log;
}

TEST_P(Limits, ARunnerPastItsCpuTimeIsKilledWithTheReason) {
    auto& rt = make(options(GetParam(), script("spin.sh", "echo started\nwhile :; do :; done\n")));
    rt.provision({session("s-spin", {}, R"({"cpu_time":"1"})"), R"({})", "t"});
    const auto exit = recorder_.wait_exit("s-spin", std::chrono::seconds(30));
    ASSERT_TRUE(exit.has_value());
    EXPECT_EQ(exit->reason, "killed: CPU time limit of 1 s reached") << exit->reason;
}

INSTANTIATE_TEST_SUITE_P(Sandboxes, Limits, ::testing::Values(SandboxKind::None, SandboxKind::Bwrap),
                         [](const auto& info) { return std::string(sandbox_name(info.param)); });

TEST_F(SandboxIsolation, ResourceOverridesThatCannotBeReadFailTheSession) {
    auto& rt = make(options(SandboxKind::Bwrap, runner_binary()));
    rt.provision({session("s-bad", {}, R"({"memory":"lots"})"), R"({})", "t"});
    EXPECT_FALSE(rt.has_runner("s-bad"));
    // Not an error to retry: the session ends Failed with the reason.
    const auto exit = recorder_.wait_exit("s-bad");
    ASSERT_TRUE(exit.has_value());
    EXPECT_FALSE(exit->requested);
    EXPECT_NE(exit->reason.find("resource_overrides.memory"), std::string::npos) << exit->reason;
}

}  // namespace
}  // namespace ambient::controlplane::testing
