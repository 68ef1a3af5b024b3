// runtimes/local/sandbox: the bwrap command line.
#include "controlplane/runtimes/local/sandbox.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ambient::controlplane {
namespace {

SandboxLayout layout() {
    SandboxLayout l;
    l.runner_binary = "/opt/ambient/bin/ambient-runner";
    l.data_dir = "/var/lib/ambient/sessions";
    l.workspace = "/var/lib/ambient/sessions/s1/workspace";
    l.token_dir = "/var/lib/ambient/sessions/s1/token";
    l.home = "/tmp/home";
    l.hidden = {"/etc/ambient/service-token"};
    return l;
}

// Where `seq` starts in `argv`, or npos.
std::size_t find_seq(const std::vector<std::string>& argv, const std::vector<std::string>& seq) {
    auto it = std::search(argv.begin(), argv.end(), seq.begin(), seq.end());
    return it == argv.end() ? std::string::npos : static_cast<std::size_t>(it - argv.begin());
}

TEST(SandboxArgv, NoneRunsTheRunnerItself) {
    EXPECT_EQ(runner_argv(SandboxKind::None, layout()), std::vector<std::string>{"/opt/ambient/bin/ambient-runner"});
}

TEST(SandboxArgv, BwrapIsolatesButSharesTheNetwork) {
    const auto a = runner_argv(SandboxKind::Bwrap, layout());
    EXPECT_EQ(a.front(), "/usr/bin/bwrap");
    for (const char* flag : {"--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                             "--unshare-cgroup-try", "--share-net", "--new-session"})
        EXPECT_NE(find_seq(a, {flag}), std::string::npos) << flag;
    EXPECT_NE(find_seq(a, {"--cap-drop", "ALL"}), std::string::npos);
    // Runners outlive a control-plane restart, to be adopted.
    EXPECT_EQ(find_seq(a, {"--die-with-parent"}), std::string::npos);
    EXPECT_EQ(find_seq(a, {"--unshare-net"}), std::string::npos);
    EXPECT_EQ(find_seq(a, {"--unshare-all"}), std::string::npos);
}

TEST(SandboxArgv, TheClaudeCliIsBoundWhenThereIsOne) {
    auto with = layout();
    with.claude_cli = "/var/lib/ambient/sessions/.runtime/claude.exe";
    const auto a = runner_argv(SandboxKind::Bwrap, with);
    const auto cli = find_seq(a, {"--ro-bind-try", with.claude_cli.string(), with.claude_cli.string()});
    ASSERT_NE(cli, std::string::npos);
    EXPECT_LT(cli, find_seq(a, {"--remount-ro", "/var/lib/ambient/sessions"}));
    EXPECT_EQ(find_seq(runner_argv(SandboxKind::Bwrap, layout()), {"--ro-bind-try", ""}), std::string::npos);
}

TEST(SandboxArgv, BwrapMountsInTheRightOrder) {
    const auto a = runner_argv(SandboxKind::Bwrap, layout());
    const auto root = find_seq(a, {"--ro-bind", "/", "/"});
    const auto tmp = find_seq(a, {"--tmpfs", "/tmp"});
    const auto hide = find_seq(a, {"--tmpfs", "/var/lib/ambient/sessions"});
    const auto ws =
        find_seq(a, {"--bind", "/var/lib/ambient/sessions/s1/workspace", "/var/lib/ambient/sessions/s1/workspace"});
    const auto token =
        find_seq(a, {"--ro-bind", "/var/lib/ambient/sessions/s1/token", "/var/lib/ambient/sessions/s1/token"});
    const auto ro = find_seq(a, {"--remount-ro", "/var/lib/ambient/sessions"});
    const auto secret = find_seq(a, {"--ro-bind-try", "/dev/null", "/etc/ambient/service-token"});
    for (auto pos : {root, tmp, hide, ws, token, ro, secret})
        ASSERT_NE(pos, std::string::npos);
    EXPECT_LT(root, tmp);
    EXPECT_LT(tmp, hide);
    EXPECT_LT(hide, ws);  // the workspace shows through the tmpfs that hides the others
    EXPECT_LT(hide, token);
    EXPECT_LT(ws, ro);
    EXPECT_NE(find_seq(a, {"--dir", "/tmp/home"}), std::string::npos);
    EXPECT_NE(find_seq(a, {"--proc", "/proc"}), std::string::npos);
    // The runner binary is bound after the tmpfs mounts that could hide it (it may be staged
    // under the data dir) and before the data dir turns read-only (its mount point is made).
    const auto runner =
        find_seq(a, {"--ro-bind", "/opt/ambient/bin/ambient-runner", "/opt/ambient/bin/ambient-runner"});
    ASSERT_NE(runner, std::string::npos);
    EXPECT_LT(hide, runner);
    EXPECT_LT(runner, ro);
    // The runner last, after "--", so nothing after it is read as a bwrap option.
    EXPECT_EQ(a[a.size() - 2], "--");
    EXPECT_EQ(a.back(), "/opt/ambient/bin/ambient-runner");
}

}  // namespace
}  // namespace ambient::controlplane
