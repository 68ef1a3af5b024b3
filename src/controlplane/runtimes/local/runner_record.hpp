#pragma once
// <session dir>/runner.json: what a later control plane needs to adopt a runner (or to clean
// up after it). Every pid goes with its start time, so that a pid the kernel has given to
// another process since is never signalled.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/runtimes/local/cgroup.hpp"
#include "controlplane/runtimes/local/sandbox.hpp"

namespace ambient::controlplane {

struct RunnerRecord {
    SandboxKind sandbox = SandboxKind::None;
    pid_t pid = 0;  // what we spawned: the runner, or bwrap's outer process
    std::uint64_t pid_start = 0;
    pid_t init_pid = 0;  // bwrap: its PID namespace's init (SIGKILL ends the whole sandbox)
    std::uint64_t init_start = 0;
    pid_t runner_pid = 0;  // the runner itself (SIGTERM goes there); = pid without a sandbox
    std::uint64_t runner_start = 0;
    std::uint16_t port = 0;  // 0 until its listening line came
    std::uint64_t memory_bytes = 0;
    CgroupMode cgroup_mode = CgroupMode::None;
    std::vector<std::filesystem::path> cgroups;
};

std::string record_to_json(const RunnerRecord& record);
std::optional<RunnerRecord> record_from_json(const std::string& text);

// Written atomically (temporary file + rename), 0600.
void write_record(const std::filesystem::path& path, const RunnerRecord& record);
std::optional<RunnerRecord> read_record(const std::filesystem::path& path);

}  // namespace ambient::controlplane
