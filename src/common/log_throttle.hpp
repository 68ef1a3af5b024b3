#pragma once
// Lets a repeated condition be logged at most once per interval, counting the repeats it
// held back, so that a failure hit by every request (a full disk) makes one log line per
// interval instead of one per request.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace ambient {

class LogThrottle {
public:
    using Clock = std::chrono::steady_clock;

    explicit LogThrottle(Clock::duration interval) : interval_(interval) {}

    // Counts one occurrence at `now`. Returns how many occurrences were held back since the
    // last one admitted when this one should be logged, nullopt when it should not.
    std::optional<std::uint64_t> admit(Clock::time_point now);

private:
    const Clock::duration interval_;
    std::mutex mutex_;
    std::optional<Clock::time_point> last_;
    std::uint64_t suppressed_ = 0;
};

}  // namespace ambient
