#include "common/server_log_format.hpp"

#include <gtest/gtest.h>
#include <spdlog/pattern_formatter.h>

#include <string>

namespace ambient {
namespace {

std::string formatted(spdlog::formatter& formatter, const spdlog::details::log_msg& msg) {
    spdlog::memory_buf_t out;
    formatter.format(msg, out);
    return std::string(out.data(), out.size());
}

// The hand-written format is the pattern it replaces, byte for byte, across seconds,
// microsecond values with leading zeros, and every level.
TEST(ServerLogFormat, WritesWhatTheServersPatternWrote) {
    ServerLogFormat fast;
    spdlog::pattern_formatter pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    const auto base = std::chrono::system_clock::time_point{std::chrono::seconds{1796668212}};
    const std::chrono::microseconds offsets[] = {
        std::chrono::microseconds{0},       std::chrono::microseconds{7},         std::chrono::microseconds{40'300},
        std::chrono::microseconds{999'999}, std::chrono::microseconds{1'000'001}, std::chrono::hours{24 * 400}};
    for (const auto level : {spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
                             spdlog::level::err, spdlog::level::critical}) {
        for (const auto offset : offsets) {
            spdlog::details::log_msg msg("server", level, "GET /api/ambient 200 0.10ms op=1");
            msg.time = base + offset;
            EXPECT_EQ(formatted(fast, msg), formatted(pattern, msg));
        }
    }
}

TEST(ServerLogFormat, MarksTheLevelForColorSinks) {
    ServerLogFormat fast;
    spdlog::details::log_msg msg("server", spdlog::level::warn, "disk nearly full");
    const auto line = formatted(fast, msg);
    EXPECT_EQ(line.substr(msg.color_range_start, msg.color_range_end - msg.color_range_start), "warning");
}

}  // namespace
}  // namespace ambient
