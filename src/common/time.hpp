#pragma once
// Timestamps on the wire and in storage: RFC 3339, UTC, microseconds, "Z".
#include <chrono>
#include <string>

namespace ambient {

using Clock = std::chrono::system_clock;

// "2026-11-28T14:55:00.123456Z"
std::string format_rfc3339(Clock::time_point t);
inline std::string now_rfc3339() {
    return format_rfc3339(Clock::now());
}

}  // namespace ambient
