#include "common/log_throttle.hpp"

namespace ambient {

std::optional<std::uint64_t> LogThrottle::admit(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (last_ && now - *last_ < interval_) {
        ++suppressed_;
        return std::nullopt;
    }
    last_ = now;
    const auto held_back = suppressed_;
    suppressed_ = 0;
    return held_back;
}

}  // namespace ambient
