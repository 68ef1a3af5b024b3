#pragma once
// A cgroup per runner, for its memory and pids limits and to learn that the kernel's OOM
// killer struck. Detected once at start: cgroup v2 when our own group may have children
// with the memory controller (delegated), else v1's memory and pids hierarchies when
// writable (as root on a v1/hybrid host), else none (the runtime then watches RSS itself).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ambient::controlplane {

enum class CgroupMode { None, V1, V2 };

struct CgroupRoots {
    CgroupMode mode = CgroupMode::None;
    std::filesystem::path memory;  // v2: the one parent; v1: the memory hierarchy's parent
    std::filesystem::path pids;    // v1 only (empty when the pids controller is not writable)
};

// Probes /proc/self/cgroup and /sys/fs/cgroup by creating (and removing) a group.
CgroupRoots detect_cgroups();
const char* cgroup_mode_name(CgroupMode mode);

// One runner's group(s): `<parent>/ambient-runner-<name>`.
class RunnerCgroup {
public:
    RunnerCgroup() = default;
    // Creates the groups and writes the limits (0: no limit). Throws std::runtime_error.
    static RunnerCgroup create(const CgroupRoots& roots, const std::string& name, std::uint64_t memory_bytes,
                               std::uint64_t pids);
    // The groups of a recorded runner (after a restart), without touching them.
    static RunnerCgroup existing(CgroupMode mode, std::vector<std::filesystem::path> dirs);
    // The groups `create` would make for `name`, those that exist (leftovers, after a crash).
    static RunnerCgroup named(const CgroupRoots& roots, const std::string& name);

    bool active() const { return mode_ != CgroupMode::None && !dirs_.empty(); }
    CgroupMode mode() const { return mode_; }
    const std::vector<std::filesystem::path>& dirs() const { return dirs_; }
    // The files a new process writes its pid into to join (before it execs).
    std::vector<std::string> procs_files() const;

    // How many times the OOM killer killed in the group (memory.events / memory.oom_control).
    std::uint64_t oom_kills() const;
    // SIGKILLs every process in the groups (cgroup.kill on v2).
    void kill_all() const;
    bool empty() const;
    // Removes the groups (once empty); best effort.
    void remove() const;
    // Waits up to `deadline` for the groups to empty (processes just killed take a moment to
    // go), then removes them.
    void remove_when_empty(std::chrono::milliseconds deadline) const;

private:
    CgroupMode mode_ = CgroupMode::None;
    std::vector<std::filesystem::path> dirs_;  // [0] holds the memory controller
};

}  // namespace ambient::controlplane
