#pragma once
// RFC 3339 timestamps in the one form storage keeps: UTC, microseconds, "Z"
// ("2026-11-28T14:55:00.123456Z"). SQLite compares timestamps as text, so every timestamp
// a client sends (in a search or a body) is normalised to this form first.
#include <optional>
#include <string>
#include <string_view>

namespace ambient::search {

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fraction]]" with 'T', 't' or a space, and
// an optional zone "Z" or "±HH:MM" (none = UTC). Fractions beyond microseconds are cut.
// nullopt for anything else, including out-of-range fields.
std::optional<std::string> normalize_timestamp(std::string_view text);

}  // namespace ambient::search
