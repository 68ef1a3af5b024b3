// Issue 11: "Isolation". What a session's agent can reach from inside the runner's sandbox:
// its workspace (writable), nothing else of the host's files to write, nothing of another
// session (workspace, token file), no other process; and past its memory limit the runner is
// killed and the session is Failed with the reason.
#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "e2e/e2e_fixture.hpp"

namespace ambient::testing::e2e {
namespace {

std::vector<std::string> lines_with(const std::string& text, const std::string& prefix) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_F(E2eTest, AgentSeesOnlyItsWorkspaceAndNoOtherSessionOrProcess) {
    E2eOptions options;
    options.cp_args = {"--runner-memory", "256Mi"};
    start(options);
    create_project("iso");
    const auto other = run_session("iso", "cat");
    const std::string other_secret = "other-session-secret-" + std::to_string(std::random_device{}());
    { std::ofstream(workspace(other) / "secret.txt") << other_secret; }
    const auto other_token = read_token(other);
    ASSERT_FALSE(other_token.empty());

    const auto tag = std::to_string(std::random_device{}());
    const auto host_tmp = std::filesystem::temp_directory_path() / ("e2e-private-" + tag);
    // Paths the agent must not be able to change on the host (the last one is the sandbox's
    // private /tmp: writable inside, invisible outside).
    const std::vector<std::filesystem::path> outside = {
        sessions_dir() / ("outside-" + tag),
        workspace(other) / ("intruder-" + tag),
        sessions_dir().parent_path() / ("outside-" + tag),
        "/etc/e2e-outside-" + tag,
        "/usr/e2e-outside-" + tag,
        host_tmp,
    };
    std::string script =
        "probe() { if (echo x > \"$1\") 2>/dev/null; then echo \"WROTE $1\"; else echo \"DENIED $1\"; fi; }\n"
        "probe \"$WORKSPACE_PATH/inside-" +
        tag + "\"\nprobe \"$WORKSPACE_PATH/../outside-" + tag + "\"\n";
    for (const auto& p : outside)
        script += "probe '" + p.string() + "'\n";
    for (const auto& f : {token_file(other), workspace(other) / "secret.txt"}) {
        script += "if cat '" + f.string() + "' >/dev/null 2>&1; then echo 'READ " + f.string() + "'; cat '" +
                  f.string() + "'; echo; else echo 'UNREADABLE " + f.string() + "'; fi\n";
    }
    script += "ls '" + workspace(other).string() + "' 2>/dev/null | sed 's/^/LISTED /'\n";
    script += "for d in /proc/[0-9]*; do echo \"PROC $(cat $d/comm 2>/dev/null)\"; done\n";
    const auto prober = run_session("iso", script);

    const auto answer = ask(prober, "probe");
    const auto wrote = lines_with(answer, "WROTE ");
    const auto denied = lines_with(answer, "DENIED ");
    ASSERT_FALSE(wrote.empty()) << answer;
    EXPECT_TRUE(std::filesystem::exists(workspace(prober) / ("inside-" + tag))) << "cannot write its workspace:\n"
                                                                                << answer;
    // What matters is the host: nothing outside the workspace changed.
    for (const auto& p : outside)
        EXPECT_FALSE(std::filesystem::exists(p)) << "the agent wrote " << p << " on the host";
    EXPECT_FALSE(std::filesystem::exists(session_dir(prober) / ("outside-" + tag)));
    EXPECT_TRUE(contains(denied, "/etc/e2e-outside-" + tag)) << answer;
    EXPECT_TRUE(contains(denied, "/usr/e2e-outside-" + tag)) << answer;

    // Nothing of the other session.
    EXPECT_TRUE(lines_with(answer, "READ ").empty()) << answer;
    EXPECT_TRUE(lines_with(answer, "LISTED ").empty()) << answer;
    EXPECT_EQ(answer.find(other_secret), std::string::npos);
    EXPECT_EQ(answer.find(other_token), std::string::npos);

    // Only the sandbox's own processes: one runner (its own), none of the host's.
    const auto processes = lines_with(answer, "PROC ");
    EXPECT_EQ(std::count(processes.begin(), processes.end(), "ambient-runner"), 1)
        << ::testing::PrintToString(processes);
    for (const auto* host : {"e2e_tests", "ambient-api-ser", "ambient-control"})
        EXPECT_FALSE(contains(processes, host)) << host << " is visible: " << ::testing::PrintToString(processes);
    EXPECT_LT(processes.size(), 20u) << ::testing::PrintToString(processes);
    EXPECT_EQ(session(other).value("phase", ""), "Running");
}

TEST_F(E2eTest, RunnerPastItsMemoryLimitIsKilledAndTheSessionFailsSayingSo) {
    E2eOptions options;
    options.cp_args = {"--runner-memory", "256Mi"};
    start(options);
    create_project("oom");
    // `tail` keeps a line without newline whole: 1.5 GB of zeros is 1.5 GB of memory.
    const auto id = run_session("oom", "head -c 1500000000 /dev/zero | tail | wc -c");
    const auto neighbour = run_session("oom", "cat");
    say(id, "allocate");
    const auto failed = wait_for_phase(id, "Failed", 60s);
    std::string text = failed.dump();
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_NE(text.find("runnerexited"), std::string::npos) << failed.dump(2);
    EXPECT_NE(text.find("memory"), std::string::npos)
        << "the reason does not name the memory limit: " << failed.dump(2);
    EXPECT_TRUE(eventually([&] { return runner_processes(id).empty(); }, 10s));
    // The limit is the runner's own: its neighbour runs on.
    EXPECT_NE(ask(neighbour, "still fine").find("still fine"), std::string::npos);
}

}  // namespace
}  // namespace ambient::testing::e2e
