// Issue 15: the runner whose workspace disk fills up. The real ambient-runner runs a
// command agent in a workspace on a small tmpfs; a turn whose command runs out of space
// fails with a reason saying the workspace disk is full, and once space is freed the same
// session takes its next turn as usual.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "faults/disk/small_disk.hpp"
#include "runner/runner_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

class RunnerDiskFull : public RunnerTest {
protected:
    void SetUp() override {
        RunnerTest::SetUp();
        disk_ = std::make_unique<SmallDisk>(2 * 1024 * 1024, workspace());
        if (!disk_->mounted()) GTEST_SKIP() << disk_->refusal();
    }
    void TearDown() override {
        stop_runner();
        disk_.reset();
        RunnerTest::TearDown();
    }
    std::unique_ptr<SmallDisk> disk_;
};

TEST_F(RunnerDiskFull, ATurnThatFillsTheWorkspaceFailsSayingSoAndTheSessionGoesOn) {
    // "fill" writes more than the disk holds; anything else is answered.
    const std::string script =
        "read line; if [ \"$line\" = fill ]; then head -c 8000000 /dev/zero > big || exit 1; fi; "
        "echo \"you said: $line\"";
    start_runner({"RUNNER_TYPE=command", "RUNNER_COMMAND=" + json::array({"/bin/sh", "-c", script}).dump()});

    const auto full = say("fill");
    auto all = wait_for_turn(full);
    const auto failed = finished_lifecycle(all, full);
    EXPECT_EQ(failed["status"], "error");
    const std::string reason = failed.value("message", "");
    EXPECT_TRUE(reason.starts_with("workspace disk is full")) << reason;

    std::filesystem::remove(workspace() / "big");
    const auto after = say("hello");
    all = wait_for_turn(after);
    EXPECT_EQ(finished_lifecycle(all, after)["status"], "completed") << runner().log();
}

}  // namespace
}  // namespace ambient::testing
