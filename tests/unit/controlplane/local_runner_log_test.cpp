// runtimes/local/runner_log and runner_record: reading a runner's log, capping it, and the
// adoption record's round trip.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "controlplane/runtimes/local/runner_log.hpp"
#include "controlplane/runtimes/local/runner_record.hpp"

namespace ambient::controlplane {
namespace {

class RunnerLog : public ::testing::Test {
protected:
    RunnerLog() {
        dir_ = std::filesystem::temp_directory_path() / ("runner-log-test-" + std::to_string(std::random_device{}()));
        std::filesystem::create_directories(dir_);
        log_ = dir_ / "runner.log";
    }
    ~RunnerLog() override { std::filesystem::remove_all(dir_); }
    void append(const std::string& text) { std::ofstream(log_, std::ios::app) << text; }
    std::filesystem::path dir_, log_;
};

TEST_F(RunnerLog, TheListeningLineGivesThePort) {
    EXPECT_FALSE(find_listening_port(log_, 0));  // no file yet
    append("{\"level\":\"info\",\"msg\":\"starting\"}\n");
    EXPECT_FALSE(find_listening_port(log_, 0));
    append("ambient-runner listening on 127.0.0.1:4");
    EXPECT_FALSE(find_listening_port(log_, 0));  // not a whole line yet
    append("3210 (AG-UI)\n");
    EXPECT_EQ(find_listening_port(log_, 0), 43210);
}

TEST_F(RunnerLog, OnlyLinesAfterTheOffsetCount) {
    append("ambient-runner listening on 127.0.0.1:1111 (AG-UI)\n");
    const auto offset = std::filesystem::file_size(log_);
    EXPECT_FALSE(find_listening_port(log_, offset));  // an earlier runner's line
    append("ambient-runner listening on 127.0.0.1:2222 (AG-UI)\n");
    EXPECT_EQ(find_listening_port(log_, offset), 2222);
}

TEST_F(RunnerLog, BadPortsAreNotPorts) {
    append("ambient-runner listening on 127.0.0.1:0 (AG-UI)\nambient-runner listening on host:99999 (AG-UI)\n");
    EXPECT_FALSE(find_listening_port(log_, 0));
}

TEST_F(RunnerLog, LastLinesAreWholeAndBounded) {
    for (int i = 1; i <= 50; ++i)
        append("line " + std::to_string(i) + "\n");
    EXPECT_EQ(last_log_lines(log_, 3, 2048), "line 48\nline 49\nline 50");
    // By bytes: a cut first line is dropped.
    EXPECT_EQ(last_log_lines(log_, 20, 12), "line 50");
    EXPECT_EQ(last_log_lines(dir_ / "none", 20, 2048), "");
}

TEST_F(RunnerLog, CapRotatesToDotOneAndTruncates) {
    append(std::string(1000, 'a') + "\n");
    EXPECT_FALSE(cap_log(log_, 2000));
    append(std::string(1500, 'b') + "\n");
    EXPECT_TRUE(cap_log(log_, 2000));
    EXPECT_EQ(std::filesystem::file_size(log_), 0u);
    EXPECT_EQ(std::filesystem::file_size(dir_ / "runner.log.1"), 2502u);
}

TEST(RunnerRecordJson, RoundTrips) {
    RunnerRecord r;
    r.sandbox = SandboxKind::Bwrap;
    r.pid = 100;
    r.pid_start = 5;
    r.init_pid = 101;
    r.init_start = 6;
    r.runner_pid = 102;
    r.runner_start = 7;
    r.port = 4321;
    r.memory_bytes = 1u << 30;
    r.cgroup_mode = CgroupMode::V1;
    r.cgroups = {"/sys/fs/cgroup/memory/x", "/sys/fs/cgroup/pids/x"};
    const auto back = record_from_json(record_to_json(r));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->sandbox, SandboxKind::Bwrap);
    EXPECT_EQ(back->pid, 100);
    EXPECT_EQ(back->pid_start, 5u);
    EXPECT_EQ(back->init_pid, 101);
    EXPECT_EQ(back->init_start, 6u);
    EXPECT_EQ(back->runner_pid, 102);
    EXPECT_EQ(back->runner_start, 7u);
    EXPECT_EQ(back->port, 4321);
    EXPECT_EQ(back->memory_bytes, 1u << 30);
    EXPECT_EQ(back->cgroup_mode, CgroupMode::V1);
    EXPECT_EQ(back->cgroups, r.cgroups);
}

TEST(RunnerRecordJson, GarbageIsNoRecord) {
    for (const char* text : {"", "{}", "[]", R"({"sandbox":"bwrap","pid":0,"pid_start":1})",
                             R"({"sandbox":"bwrap","pid":"x","pid_start":1})"})
        EXPECT_FALSE(record_from_json(text)) << text;
}

}  // namespace
}  // namespace ambient::controlplane
