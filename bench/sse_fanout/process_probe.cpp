#include "process_probe.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

namespace bench {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Time on a CPU plus time runnable but waiting for one, summed over the process's threads.
std::int64_t scheduled_ns(pid_t pid) {
    std::int64_t total = 0;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        std::ifstream in(task.path() / "schedstat");
        std::int64_t on_cpu = 0;
        std::int64_t waiting = 0;
        if (in >> on_cpu >> waiting) total += on_cpu + waiting;
    }
    return ec ? -1 : total;
}

}  // namespace

double process_cpu_ms(pid_t pid) {
    const auto stat = read_all("/proc/" + std::to_string(pid) + "/stat");
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(stat.substr(close + 2));
    std::string skip;
    // After ')': state is field 3 of the man page; utime and stime are fields 14 and 15.
    for (int i = 3; i < 14; ++i)
        fields >> skip;
    long long utime = 0;
    long long stime = 0;
    if (!(fields >> utime >> stime)) return -1;
    return static_cast<double>(utime + stime) * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long process_rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

long process_fd_count(pid_t pid) {
    std::error_code ec;
    long n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ++n;
    return ec ? -1 : n;
}

bool wait_until_quiet(pid_t pid, std::chrono::milliseconds limit, std::chrono::microseconds poll, int quiet_polls) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    const auto busy_threshold = std::chrono::duration_cast<std::chrono::nanoseconds>(poll).count() / 50;
    auto last = scheduled_ns(pid);
    int quiet = 0;
    while (quiet < quiet_polls) {
        if (last < 0 || std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(poll);
        const auto now = scheduled_ns(pid);
        quiet = now - last <= busy_threshold ? quiet + 1 : 0;
        last = now;
    }
    return true;
}

}  // namespace bench
