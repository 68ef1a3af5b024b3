#pragma once
// Standard base64 (RFC 4648 §4, '+' '/' alphabet, '=' padding), as Go's
// base64.StdEncoding writes it. Decoding is strict: no whitespace, padding required, and
// the unused low bits of the last character must be zero, so every byte string has exactly
// one accepted spelling (a changed character can never decode to the same bytes).
#include <optional>
#include <string>
#include <string_view>

namespace ambient::crypto {

std::string base64_encode(std::string_view bytes);

// nullopt when `text` is not canonical base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ambient::crypto
