#pragma once
// Request-target decoding for the server: the path the router sees and the query pairs
// handlers see. No Beast here so that it can be unit-tested and fuzzed on its own.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ambient::http {

// Decodes %XX escapes; with `plus_is_space` (query strings) '+' becomes ' '. Returns nullopt
// for a truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

struct DecodedTarget {
    std::string path;  // decoded, trailing '/' removed except for "/"
    std::vector<std::pair<std::string, std::string>> query;
};

// Splits "path?query" and decodes both halves; nullopt when any escape is malformed, or when
// the path encodes a '/' or a control character (%2F, %00-%1F, %7F): the router splits the
// decoded path on '/', so an encoded one would become a separator that the client did not
// send, and a control byte has no business in a path. Empty query pairs ("a=1&&b=2") are
// skipped; "flag" without '=' has an empty value.
std::optional<DecodedTarget> decode_target(std::string_view target);

// The path part of a raw target, still encoded (safe to log: no query, no control bytes).
std::string_view raw_path(std::string_view target);

}  // namespace ambient::http
