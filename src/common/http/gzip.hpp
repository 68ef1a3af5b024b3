#pragma once
// Response compression: the gzip container (RFC 1952) via zlib, and the Accept-Encoding test.
#include <string>
#include <string_view>

namespace ambient::http {

// Bodies smaller than this are sent as they are: the gzip header would eat the gain.
inline constexpr std::size_t kGzipMinBytes = 1024;

// True when an Accept-Encoding value accepts gzip (a "gzip" token without q=0).
bool accepts_gzip(std::string_view accept_encoding);

// The gzip encoding of `data`; throws std::runtime_error if zlib fails.
std::string gzip_compress(std::string_view data);

}  // namespace ambient::http
