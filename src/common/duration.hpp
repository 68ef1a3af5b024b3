#pragma once
// Durations as operators write them in flags: whole seconds ("900"), or a whole number with a
// unit: "900s", "15m", "12h", "90d".
#include <chrono>
#include <optional>
#include <string_view>

namespace ambient {

// The duration `text` names, when it is one and at most `max`; nullopt otherwise (a sign,
// a fraction, spaces, another unit, or too long).
std::optional<std::chrono::seconds> parse_duration(std::string_view text, std::chrono::seconds max);

// An age limit of a retention flag: a duration of at most 100 years; empty or "0" is no limit
// (zero seconds).
std::optional<std::chrono::seconds> parse_retention_age(std::string_view text);

}  // namespace ambient
