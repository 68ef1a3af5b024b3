#include "controlplane/runtimes/local/cgroup.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ambient::controlplane {
namespace fs = std::filesystem;
namespace {

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    out.flush();
    return static_cast<bool>(out);
}

// The value of `key` in a "key value" per line file (memory.events, memory.oom_control).
std::uint64_t keyed(const fs::path& path, const std::string& key) {
    std::istringstream in(read_file(path));
    std::string k;
    std::uint64_t v = 0;
    while (in >> k >> v) {
        if (k == key) return v;
    }
    return 0;
}

// Our own group in each hierarchy: "<id>:<controllers>:<path>" lines.
std::string own_group(const std::string& controller) {
    std::istringstream in(read_file("/proc/self/cgroup"));
    for (std::string line; std::getline(in, line);) {
        const auto a = line.find(':');
        const auto b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        const auto controllers = line.substr(a + 1, b - a - 1);
        std::istringstream list(controllers);
        for (std::string c; std::getline(list, c, ',');) {
            if (c == controller) return line.substr(b + 1);
        }
        if (controller.empty() && controllers.empty()) return line.substr(b + 1);
    }
    return {};
}

// Creating and removing a child group proves we may; `file` must appear in it.
bool probe(const fs::path& parent, const std::string& file) {
    std::error_code ec;
    const auto dir = parent / ("ambient-probe-" + std::to_string(::getpid()));
    if (!fs::create_directory(dir, ec) && !fs::is_directory(dir)) return false;
    const bool ok = fs::exists(dir / file, ec);
    ::rmdir(dir.c_str());
    return ok;
}

}  // namespace

const char* cgroup_mode_name(CgroupMode mode) {
    switch (mode) {
        case CgroupMode::V1:
            return "cgroup v1";
        case CgroupMode::V2:
            return "cgroup v2";
        case CgroupMode::None:
            break;
    }
    return "none";
}

CgroupRoots detect_cgroups() {
    CgroupRoots roots;
    std::error_code ec;
    if (fs::exists("/sys/fs/cgroup/cgroup.controllers", ec)) {
        const auto own = own_group("");
        const fs::path parent = fs::path("/sys/fs/cgroup") / fs::path(own).relative_path();
        // Our group must hand the memory controller down (a delegated subtree).
        const auto control = read_file(parent / "cgroup.subtree_control");
        if (control.find("memory") != std::string::npos && probe(parent, "memory.max")) {
            roots.mode = CgroupMode::V2;
            roots.memory = parent;
            return roots;
        }
    }
    const auto memory_own = own_group("memory");
    const fs::path memory = fs::path("/sys/fs/cgroup/memory") / fs::path(memory_own).relative_path();
    if (!memory_own.empty() && probe(memory, "memory.limit_in_bytes")) {
        roots.mode = CgroupMode::V1;
        roots.memory = memory;
        const auto pids_own = own_group("pids");
        const fs::path pids = fs::path("/sys/fs/cgroup/pids") / fs::path(pids_own).relative_path();
        if (!pids_own.empty() && probe(pids, "pids.max")) roots.pids = pids;
    }
    return roots;
}

RunnerCgroup RunnerCgroup::create(const CgroupRoots& roots, const std::string& name, std::uint64_t memory_bytes,
                                  std::uint64_t pids) {
    RunnerCgroup group;
    group.mode_ = roots.mode;
    if (roots.mode == CgroupMode::None) return group;
    const std::string leaf = "ambient-runner-" + name;
    auto make = [&](const fs::path& parent) {
        const auto dir = parent / leaf;
        // A group left by an earlier runner of this session would carry its OOM count.
        ::rmdir(dir.c_str());
        std::error_code ec;
        fs::create_directory(dir, ec);
        if (ec) throw std::runtime_error("cannot create cgroup " + dir.string() + ": " + ec.message());
        group.dirs_.push_back(dir);
        return dir;
    };
    auto set = [](const fs::path& file, const std::string& value) {
        if (!write_file(file, value)) throw std::runtime_error("cannot write " + file.string());
    };
    try {
        const auto mem = make(roots.memory);
        if (roots.mode == CgroupMode::V2) {
            if (memory_bytes) set(mem / "memory.max", std::to_string(memory_bytes));
            // Swap would let a runner go past its limit unseen.
            if (memory_bytes && fs::exists(mem / "memory.swap.max")) write_file(mem / "memory.swap.max", "0");
            if (pids && fs::exists(mem / "pids.max")) set(mem / "pids.max", std::to_string(pids));
        } else {
            if (memory_bytes) {
                set(mem / "memory.limit_in_bytes", std::to_string(memory_bytes));
                if (fs::exists(mem / "memory.memsw.limit_in_bytes"))
                    write_file(mem / "memory.memsw.limit_in_bytes", std::to_string(memory_bytes));
            }
            if (!roots.pids.empty()) {
                const auto p = make(roots.pids);
                if (pids) set(p / "pids.max", std::to_string(pids));
            }
        }
    } catch (...) {
        group.remove();  // what was made of it
        throw;
    }
    return group;
}

RunnerCgroup RunnerCgroup::existing(CgroupMode mode, std::vector<fs::path> dirs) {
    RunnerCgroup group;
    group.mode_ = mode;
    group.dirs_ = std::move(dirs);
    return group;
}

RunnerCgroup RunnerCgroup::named(const CgroupRoots& roots, const std::string& name) {
    RunnerCgroup group;
    group.mode_ = roots.mode;
    const std::string leaf = "ambient-runner-" + name;
    std::error_code ec;
    for (const auto& parent : {roots.memory, roots.pids}) {
        if (!parent.empty() && fs::is_directory(parent / leaf, ec)) group.dirs_.push_back(parent / leaf);
    }
    return group;
}

std::vector<std::string> RunnerCgroup::procs_files() const {
    std::vector<std::string> out;
    for (const auto& d : dirs_)
        out.push_back((d / "cgroup.procs").string());
    return out;
}

std::uint64_t RunnerCgroup::oom_kills() const {
    if (!active()) return 0;
    if (mode_ == CgroupMode::V2) return keyed(dirs_[0] / "memory.events", "oom_kill");
    return keyed(dirs_[0] / "memory.oom_control", "oom_kill");
}

void RunnerCgroup::kill_all() const {
    if (!active()) return;
    if (mode_ == CgroupMode::V2 && write_file(dirs_[0] / "cgroup.kill", "1")) return;
    for (const auto& d : dirs_) {
        std::istringstream in(read_file(d / "cgroup.procs"));
        for (pid_t pid = 0; in >> pid;)
            ::kill(pid, SIGKILL);
    }
}

bool RunnerCgroup::empty() const {
    for (const auto& d : dirs_) {
        const auto text = read_file(d / "cgroup.procs");
        if (text.find_first_not_of(" \n") != std::string::npos) return false;
    }
    return true;
}

void RunnerCgroup::remove() const {
    for (const auto& d : dirs_)
        ::rmdir(d.c_str());
}

}  // namespace ambient::controlplane

namespace ambient::controlplane {

void RunnerCgroup::remove_when_empty(std::chrono::milliseconds deadline) const {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (!empty() && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    remove();
}

}  // namespace ambient::controlplane
