#pragma once
// Text from the wire cut to what a log line can afford: a client chooses the length of its
// method and path, and an unauthenticated 60,000-byte path must not become a 60 KB log line.
#include <cstddef>
#include <string>
#include <string_view>

namespace ambient::http {

inline constexpr std::size_t kLoggedPathBytes = 256;
inline constexpr std::size_t kLoggedMethodBytes = 32;

// `text` itself when it fits in `limit` bytes, else its first `limit` bytes followed by
// "...(<full length> bytes)".
std::string log_excerpt(std::string_view text, std::size_t limit);

// The path of a request target for a log line: still encoded, without the query (which may
// carry tokens), at most kLoggedPathBytes of it.
std::string loggable_path(std::string_view target);

}  // namespace ambient::http
