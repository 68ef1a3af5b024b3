#pragma once
// Reading a JWT's claims without verifying it. The server verifies every token; the client
// only looks at `exp` to warn at login and to decide when to renew, and never trusts what it
// reads for anything else.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ambient::cli {

// The payload of a compact JWT (three base64url parts, the middle one a JSON object), or
// nullopt for anything else (an opaque token, "sha256~…").
std::optional<nlohmann::json> unverified_claims(std::string_view token);

// The token's `exp` as a time, or nullopt when it is not a JWT or has no numeric exp (such a
// token never counts as expired).
std::optional<std::chrono::system_clock::time_point> token_expiry(std::string_view token);

// "2026-12-07T08:30:00Z": RFC 3339 to the second, as upstream prints expiry times.
std::string rfc3339_seconds(std::chrono::system_clock::time_point t);

}  // namespace ambient::cli
