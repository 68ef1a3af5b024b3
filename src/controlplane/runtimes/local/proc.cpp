#include "controlplane/runtimes/local/proc.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace ambient::controlplane::proc {
namespace {

struct Stat {
    pid_t ppid = 0;
    std::uint64_t start = 0;
    std::uint64_t rss_pages = 0;
    char state = '?';
};

// /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and ')', so fields are
// counted from the last ')'.
std::optional<Stat> read_stat(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!in || !std::getline(in, line)) return std::nullopt;
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 1));
    std::vector<std::string> f;
    for (std::string s; fields >> s;)
        f.push_back(s);
    // f[0] is field 3 (state); field N is f[N - 3].
    if (f.size() < 22) return std::nullopt;
    Stat st;
    st.state = f[0].empty() ? '?' : f[0][0];
    st.ppid = static_cast<pid_t>(std::stol(f[1]));
    st.start = std::stoull(f[19]);
    st.rss_pages = std::stoull(f[21]);
    return st;
}

std::vector<pid_t> all_pids() {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        pid_t pid = 0;
        auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
        if (err == std::errc() && end == name.data() + name.size()) out.push_back(pid);
    }
    return out;
}

}  // namespace

std::optional<std::uint64_t> start_time(pid_t pid) {
    if (pid <= 0) return std::nullopt;
    try {
        auto st = read_stat(pid);
        if (!st || st->state == 'Z' || st->state == 'X') return std::nullopt;
        return st->start;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool same_process(pid_t pid, std::uint64_t start) {
    auto s = start_time(pid);
    return s && *s == start;
}

std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> out;
    for (pid_t p : all_pids()) {
        try {
            if (auto st = read_stat(p); st && st->ppid == pid) out.push_back(p);
        } catch (const std::exception&) {
        }
    }
    return out;
}

std::uint64_t tree_rss(pid_t root) {
    std::multimap<pid_t, std::pair<pid_t, std::uint64_t>> by_parent;
    for (pid_t p : all_pids()) {
        try {
            if (auto st = read_stat(p)) by_parent.emplace(st->ppid, std::make_pair(p, st->rss_pages));
        } catch (const std::exception&) {
        }
    }
    std::uint64_t pages = 0;
    try {
        if (auto st = read_stat(root)) pages = st->rss_pages;
    } catch (const std::exception&) {
    }
    std::vector<pid_t> todo{root};
    while (!todo.empty()) {
        const pid_t parent = todo.back();
        todo.pop_back();
        auto [first, last] = by_parent.equal_range(parent);
        for (auto it = first; it != last; ++it) {
            pages += it->second.second;
            todo.push_back(it->second.first);
        }
    }
    return pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

int pidfd_open(pid_t pid) {
    // PIDFD_NONBLOCK is not needed: the fd is only polled.
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

bool signal_if_same(pid_t pid, std::uint64_t start, int signal) {
    if (pid <= 0 || !same_process(pid, start)) return false;
    return ::kill(pid, signal) == 0;
}

}  // namespace ambient::controlplane::proc
