#include "common/server_log_format.hpp"

#include <cstdio>
#include <ctime>

namespace ambient {

void ServerLogFormat::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    const auto since_epoch = msg.time.time_since_epoch();
    const auto second = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    if (second != cached_second_) {
        const std::time_t t = second.count();
        std::tm utc{};
        ::gmtime_r(&t, &utc);
        const int size =
            std::snprintf(cached_prefix_, sizeof cached_prefix_, "%04d-%02d-%02dT%02d:%02d:%02d.", utc.tm_year + 1900,
                          utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
        cached_prefix_size_ = size > 0 ? static_cast<std::size_t>(size) : 0;
        cached_second_ = second;
    }
    dest.append(cached_prefix_, cached_prefix_ + cached_prefix_size_);

    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - second).count();
    char digits[7] = "000000";
    for (int i = 5; i >= 0 && micros > 0; --i, micros /= 10)
        digits[i] = static_cast<char>('0' + micros % 10);
    dest.append(digits, digits + 6);
    dest.push_back('Z');
    dest.push_back(' ');

    // The level is the part a color sink paints.
    const auto level = spdlog::level::to_string_view(msg.level);
    msg.color_range_start = dest.size();
    dest.append(level.data(), level.data() + level.size());
    msg.color_range_end = dest.size();
    dest.push_back(' ');
    dest.append(msg.payload.data(), msg.payload.data() + msg.payload.size());
    dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> ServerLogFormat::clone() const {
    return std::make_unique<ServerLogFormat>();
}

}  // namespace ambient
