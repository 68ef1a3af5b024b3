// The local runtime's life cycle with the real ambient-runner and with stand-in scripts:
// provision, ready, stop, remove, exits and their reasons, the token file, the environment.
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include "common/client/http_client.hpp"
#include "controlplane/runtimes/local/local_runtime.hpp"
#include "local_runtime_fixture.hpp"

namespace ambient::controlplane::testing {
namespace {

class LifeCycle : public LocalRuntimeTest, public ::testing::WithParamInterface<SandboxKind> {};

TEST_P(LifeCycle, EchoRunnerBecomesReadyAnswersHealthAndStopsOnRequest) {
    auto& rt = make(options(GetParam(), runner_binary()));
    rt.provision({session("s-echo"), R"({})", "first-token"});
    EXPECT_TRUE(rt.has_runner("s-echo"));
    ASSERT_TRUE(recorder_.wait_ready("s-echo")) << read_text(log_of("s-echo"));
    const auto url = rt.ready_url("s-echo");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(client::HttpClient(*url).request("GET", "/health").status, 200);
    EXPECT_EQ(rt.live_runners(), 1u);
    EXPECT_EQ(rt.runner_ids(), std::vector<std::string>{"s-echo"});

    rt.stop("s-echo");
    const auto exit = recorder_.wait_exit("s-echo");
    ASSERT_TRUE(exit.has_value());
    EXPECT_TRUE(exit->requested);
    EXPECT_EQ(exit->exit_code, 0) << exit->reason << "\n" << exit->last_log_lines;
    EXPECT_FALSE(rt.has_runner("s-echo"));
    EXPECT_FALSE(std::filesystem::exists(data_dir_ / "s-echo" / "runner.json"));
    EXPECT_TRUE(std::filesystem::exists(data_dir_ / "s-echo" / "workspace"));
}

TEST_P(LifeCycle, RemoveStopsTheRunnerAndDeletesItsDirectory) {
    auto& rt = make(options(GetParam(), runner_binary()));
    rt.provision({session("s-rm"), R"({})", "t"});
    ASSERT_TRUE(recorder_.wait_ready("s-rm")) << read_text(log_of("s-rm"));
    rt.remove("s-rm");
    const auto exit = recorder_.wait_exit("s-rm");
    ASSERT_TRUE(exit.has_value());
    EXPECT_TRUE(exit->requested);
    EXPECT_FALSE(std::filesystem::exists(data_dir_ / "s-rm"));
    // Without a runner, at once.
    std::filesystem::create_directories(data_dir_ / "s-idle" / "workspace");
    rt.remove("s-idle");
    EXPECT_FALSE(std::filesystem::exists(data_dir_ / "s-idle"));
}

TEST_P(LifeCycle, AFailingRunnerReportsItsStatusAndLastLogLines) {
    auto& rt = make(options(GetParam(), script("fail.sh", "echo 'something went wrong' >&2\nexit 3\n")));
    rt.provision({session("s-fail"), R"({})", "t"});
    const auto exit = recorder_.wait_exit("s-fail");
    ASSERT_TRUE(exit.has_value());
    EXPECT_FALSE(exit->requested);
    EXPECT_EQ(exit->exit_code, 3);
    EXPECT_EQ(exit->reason, "exit status 3");
    EXPECT_NE(exit->last_log_lines.find("something went wrong"), std::string::npos);
    EXPECT_FALSE(recorder_.is_ready("s-fail"));
}

TEST_P(LifeCycle, ARunnerThatNeverAnswersIsKilledAtTheReadyTimeout) {
    auto o = options(GetParam(), script("mute.sh", "echo started\nexec sleep 1000\n"));
    o.ready_timeout = std::chrono::milliseconds(500);
    auto& rt = make(o);
    rt.provision({session("s-mute"), R"({})", "t"});
    const auto exit = recorder_.wait_exit("s-mute");
    ASSERT_TRUE(exit.has_value());
    EXPECT_FALSE(exit->requested);
    EXPECT_NE(exit->reason.find("not ready within 0.5 s"), std::string::npos) << exit->reason;
}

TEST_P(LifeCycle, StopGivesTheRunnerItsSigtermWithinTheGrace) {
    // As in the control plane's main: SIGTERM blocked in every thread. A runner must not
    // inherit that mask.
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, &old);
    auto o = options(GetParam(), script("term.sh",
                                        "trap 'echo got-term; exit 0' TERM\necho started\n"
                                        "while :; do sleep 0.05; done\n"));
    o.stop_grace = std::chrono::seconds(30);
    auto& rt = make(o);
    rt.provision({session("s-term"), R"({})", "t"});
    ASSERT_TRUE(eventually([&] { return log_has("s-term", "started"); }));
    const auto begin = std::chrono::steady_clock::now();
    rt.stop("s-term");
    const auto exit = recorder_.wait_exit("s-term");
    ASSERT_TRUE(exit.has_value());
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(10));  // not the 30 s grace
    EXPECT_TRUE(exit->requested);
    EXPECT_EQ(exit->exit_code, 0) << exit->reason;
    EXPECT_NE(exit->last_log_lines.find("got-term"), std::string::npos);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

// Whether a process whose command line is exactly `argv` (NUL-separated) exists.
bool process_with_cmdline(const std::string& cmdline) {
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        if (read_text(entry.path() / "cmdline") == cmdline) return true;
    }
    return false;
}

TEST_P(LifeCycle, SigkillAfterTheGraceLeavesNoProcessBehind) {
    auto o = options(GetParam(), script("stubborn.sh",
                                        "trap '' TERM\nsleep 4711.5 &\necho started\n"
                                        "while :; do sleep 0.05; done\n"));
    o.stop_grace = std::chrono::milliseconds(300);
    auto& rt = make(o);
    rt.provision({session("s-kill"), R"({})", "t"});
    ASSERT_TRUE(eventually([&] { return log_has("s-kill", "started"); }));
    const std::string child = std::string("sleep") + '\0' + "4711.5" + '\0';
    ASSERT_TRUE(eventually([&] { return process_with_cmdline(child); }));
    rt.stop("s-kill");
    const auto exit = recorder_.wait_exit("s-kill");
    ASSERT_TRUE(exit.has_value());
    EXPECT_TRUE(exit->requested);
    EXPECT_EQ(exit->exit_code, 137) << exit->reason;
    EXPECT_TRUE(eventually([&] { return !process_with_cmdline(child); }, std::chrono::seconds(5)));
}

TEST_P(LifeCycle, TokenFileIs0600AndReplacedAtomicallyWhereTheRunnerSeesIt) {
    auto& rt = make(options(GetParam(), script("token.sh",
                                               "echo started\n"
                                               "while [ \"$(cat \"$BOT_TOKEN_FILE\")\" = first ]; do "
                                               "sleep 0.05; done\necho \"token=$(cat \"$BOT_TOKEN_FILE\")\"\n")));
    rt.provision({session("s-tok"), R"({})", "first"});
    const auto file = data_dir_ / "s-tok" / "token" / "bot-token";
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    if (::geteuid() == 0) {
        EXPECT_EQ(st.st_uid, 65534u);
    }
    const auto inode = st.st_ino;
    ASSERT_TRUE(eventually([&] { return log_has("s-tok", "started"); }));
    EXPECT_TRUE(rt.write_token("s-tok", "second"));
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_NE(st.st_ino, inode);  // a new file renamed into place
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(read_text(file), "second");
    const auto exit = recorder_.wait_exit("s-tok");
    ASSERT_TRUE(exit.has_value());
    EXPECT_NE(exit->last_log_lines.find("token=second"), std::string::npos) << exit->last_log_lines;
    EXPECT_FALSE(rt.write_token("s-tok", "third"));  // no runner any more
}

TEST_P(LifeCycle, EnvironmentIsBuiltFromScratchWithoutReservedNamesFromTheSession) {
    ::setenv("AMBIENT_API_TOKEN", "service-secret", 1);
    auto& rt = make(options(GetParam(), script("env.sh", "env > \"$WORKSPACE_PATH/env.txt\"\n")));
    rt.provision({session("s-env", {{"SESSION_ID", "evil"},
                                    {"BOT_TOKEN", "evil"},
                                    {"AGUI_PORT", "1"},
                                    {"WORKSPACE_PATH", "/"},
                                    {"ANTHROPIC_BASE_URL", "http://127.0.0.1:7/"},
                                    {"RUNNER_TYPE", "command"}}),
                  R"({"github":"c1"})", "t"});
    ASSERT_TRUE(recorder_.wait_exit("s-env").has_value());
    ::unsetenv("AMBIENT_API_TOKEN");
    const auto env = read_text(data_dir_ / "s-env" / "workspace" / "env.txt");
    EXPECT_EQ(env.find("AMBIENT_API_TOKEN"), std::string::npos);
    EXPECT_EQ(env.find("service-secret"), std::string::npos);
    EXPECT_EQ(env.find("evil"), std::string::npos);
    EXPECT_NE(env.find("SESSION_ID=s-env\n"), std::string::npos);
    EXPECT_NE(env.find("PROJECT_NAME=proj\n"), std::string::npos);
    EXPECT_NE(env.find("AGUI_PORT=0\n"), std::string::npos);
    EXPECT_NE(env.find("AGUI_HOST=127.0.0.1\n"), std::string::npos);
    EXPECT_NE(env.find("BACKEND_API_URL=http://127.0.0.1:9\n"), std::string::npos);
    EXPECT_NE(env.find("CREDENTIAL_IDS={\"github\":\"c1\"}\n"), std::string::npos);
    EXPECT_NE(env.find("ANTHROPIC_BASE_URL=http://127.0.0.1:7/\n"), std::string::npos);
    EXPECT_NE(env.find("RUNNER_TYPE=command\n"), std::string::npos);  // the session's wins over ours
    EXPECT_NE(env.find("WORKSPACE_PATH=" + (data_dir_ / "s-env" / "workspace").string() + "\n"), std::string::npos);
    EXPECT_NE(env.find("BOT_TOKEN_FILE=" + (data_dir_ / "s-env" / "token" / "bot-token").string() + "\n"),
              std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Sandboxes, LifeCycle, ::testing::Values(SandboxKind::None, SandboxKind::Bwrap),
                         [](const auto& info) { return std::string(sandbox_name(info.param)); });

}  // namespace
}  // namespace ambient::controlplane::testing
