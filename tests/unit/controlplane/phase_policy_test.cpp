#include "controlplane/phase_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ambient::controlplane {
namespace {

struct Row {
    std::string phase;
    bool deleted;
    bool runner;
    bool slot_free;
    SessionAction expected;
};

using A = SessionAction;

// docs/control-plane.md, "Reconciler": one row per case.
const std::vector<Row> kTable = {
    // phase, deleted, runner present, slot free → action
    {"", false, false, true, A::None},
    {"", false, true, true, A::Halt},
    {"Pending", false, false, true, A::Provision},
    {"Pending", false, false, false, A::WaitForSlot},
    {"Pending", false, true, false, A::AwaitReady},
    {"Creating", false, false, true, A::Provision},
    {"Creating", false, false, false, A::WaitForSlot},
    {"Creating", false, true, true, A::AwaitReady},
    {"Running", false, true, true, A::None},
    {"Running", false, true, false, A::None},
    {"Running", false, false, true, A::Provision},
    {"Running", false, false, false, A::WaitForSlot},
    {"Stopping", false, true, true, A::Stop},
    {"Stopping", false, false, true, A::MarkStopped},
    {"Stopped", false, false, true, A::None},
    {"Stopped", false, true, true, A::Halt},
    {"Completed", false, false, true, A::None},
    {"Completed", false, true, true, A::Halt},
    {"Failed", false, false, true, A::None},
    {"Failed", false, true, false, A::Halt},
    {"Running", true, true, true, A::Remove},
    {"Stopped", true, false, true, A::Remove},
    {"", true, false, true, A::Remove},
    {"Hibernating", false, true, true, A::None},  // unknown to us: untouched
};

TEST(PhasePolicy, FollowsTheTable) {
    for (const auto& row : kTable) {
        const auto got = decide({row.phase, row.deleted, row.runner, row.slot_free});
        EXPECT_EQ(action_name(got), std::string(action_name(row.expected)))
            << "phase '" << row.phase << "' deleted=" << row.deleted << " runner=" << row.runner
            << " slot_free=" << row.slot_free;
    }
}

}  // namespace
}  // namespace ambient::controlplane
