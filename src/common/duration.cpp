#include "common/duration.hpp"

#include <charconv>
#include <cstdint>

namespace ambient {

std::optional<std::chrono::seconds> parse_duration(std::string_view text, std::chrono::seconds max) {
    if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{}) return std::nullopt;
    const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
    std::int64_t scale = 0;
    if (unit.empty() || unit == "s") {
        scale = 1;
    } else if (unit == "m") {
        scale = 60;
    } else if (unit == "h") {
        scale = 3600;
    } else if (unit == "d") {
        scale = 24 * 3600;
    } else {
        return std::nullopt;
    }
    if (value > max.count() / scale) return std::nullopt;
    return std::chrono::seconds{value * scale};
}

std::optional<std::chrono::seconds> parse_retention_age(std::string_view text) {
    constexpr std::chrono::seconds kMaxAge{100LL * 366 * 24 * 3600};
    if (text.empty()) return std::chrono::seconds{0};
    return parse_duration(text, kMaxAge);
}

}  // namespace ambient
