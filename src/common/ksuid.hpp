#pragma once
// K-Sortable Unique IDs as upstream uses them: 4 bytes of seconds since the KSUID epoch
// (2014-05-13T16:53:20Z) and 16 random bytes, base-62 encoded into 27 characters.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ambient {

inline constexpr std::size_t kKsuidLength = 27;

// A new KSUID for the current time, with random bytes from OpenSSL's CSPRNG.
std::string new_ksuid();
// The KSUID for a given time and payload (deterministic; for tests).
std::string make_ksuid(std::chrono::system_clock::time_point time, const std::array<std::uint8_t, 16>& payload);
// True when `s` is 27 base-62 characters that decode to at most 160 bits.
bool is_ksuid(std::string_view s);
// The 20 bytes a valid KSUID encodes (timestamp then payload); nullopt when not a KSUID.
std::optional<std::array<std::uint8_t, 20>> decode_ksuid(std::string_view ksuid);
// The time encoded in a valid KSUID.
std::chrono::system_clock::time_point ksuid_time(std::string_view ksuid);

}  // namespace ambient
