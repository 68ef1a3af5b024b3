#pragma once
// Response compression: the gzip container (RFC 1952) via zlib, and the Accept-Encoding test.
#include <cstddef>
#include <string>
#include <string_view>

#include "common/http/message.hpp"

namespace ambient::http {

// Bodies smaller than this are sent as they are: the gzip header would eat the gain.
inline constexpr std::size_t kGzipMinBytes = 1024;

// True when an Accept-Encoding value accepts gzip (a "gzip" token without q=0).
bool accepts_gzip(std::string_view accept_encoding);

// The gzip encoding of `data`; throws std::runtime_error if zlib fails.
std::string gzip_compress(std::string_view data);

// Compresses a normal response's body in place when the client accepts gzip, the status
// carries a body, the handler set no Content-Encoding and the body is at least kGzipMinBytes
// and at most `max_bytes`; then sets Content-Encoding and adds Accept-Encoding to Vary.
// If zlib fails, the body is left as it was (and a warning logged).
void gzip_response(const Request& request, Response& response, std::size_t max_bytes);

}  // namespace ambient::http
