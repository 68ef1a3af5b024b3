#include "common/http/descriptor_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace ambient::http {
namespace {
constexpr std::size_t kReservedDescriptors = 64;
constexpr std::size_t kMostConnections = 65536;
}  // namespace

std::size_t descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return kMostConnections * 2;
    return static_cast<std::size_t>(limit.rlim_cur);
}

DescriptorLimit raise_descriptor_limit() {
    DescriptorLimit result;
    result.before = descriptor_limit();
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    result.now = descriptor_limit();
    return result;
}

std::size_t default_max_connections(std::size_t descriptor_limit) {
    const auto usable =
        descriptor_limit > 2 * kReservedDescriptors ? descriptor_limit - kReservedDescriptors : descriptor_limit / 2;
    return std::clamp<std::size_t>(usable / 2, 1, kMostConnections);
}

}  // namespace ambient::http
