// Issue 15: the control plane's local runtime whose data directory (where each session's
// workspace, home and token file go) is full. Starting a session fails with a reason saying
// the workspace disk is full, which the reconciler puts on the session once its attempts are
// spent; once space is freed the same session starts.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "controlplane/local_runtime_fixture.hpp"
#include "faults/disk/small_disk.hpp"

namespace ambient::controlplane::testing {
namespace {

using ambient::testing::SmallDisk;

class ControlPlaneDiskFull : public LocalRuntimeTest {};

TEST_F(ControlPlaneDiskFull, ASessionStartOnAFullDiskFailsSayingSoAndSucceedsOnceSpaceIsFreed) {
    std::filesystem::create_directories(data_dir_);
    // Room for a staged copy of the runner, should the runner uid not reach the build tree.
    SmallDisk disk(64 * 1024 * 1024, data_dir_);
    if (!disk.mounted()) GTEST_SKIP() << disk.refusal();
    auto& rt = make(options(SandboxKind::None, runner_binary()));
    disk.fill();

    try {
        rt.provision({session("s-full"), R"({})", "token"});
        FAIL() << "the session started on a full disk";
    } catch (const std::exception& e) {
        EXPECT_TRUE(std::string(e.what()).starts_with("workspace disk is full")) << e.what();
    }
    EXPECT_FALSE(rt.has_runner("s-full"));

    disk.free_filler();
    rt.provision({session("s-full"), R"({})", "token"});
    EXPECT_TRUE(recorder_.wait_ready("s-full")) << read_text(log_of("s-full"));
    rt.stop_all();
}

}  // namespace
}  // namespace ambient::controlplane::testing
