#pragma once
// The servers' log line: `2026-12-07T18:50:12.123456Z info <message>`, in UTC. The same as
// spdlog's pattern "%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", written by hand: the pattern formatter
// cost as many instructions as the rest of a request's log line (docs/performance.md), and
// the API server writes a line per request.
#include <spdlog/formatter.h>

#include <chrono>
#include <cstddef>
#include <memory>

namespace ambient {

class ServerLogFormat final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    std::unique_ptr<spdlog::formatter> clone() const override;

private:
    // "YYYY-MM-DDTHH:MM:SS." of the last second seen: lines come many to a second.
    std::chrono::seconds cached_second_{-1};
    char cached_prefix_[64] = {};
    std::size_t cached_prefix_size_ = 0;
};

}  // namespace ambient
