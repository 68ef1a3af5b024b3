#pragma once
// Internal to the HTTP layer: the status line and header section of a response with a body
// of known length or in chunks, written straight into one string. Beast's serializer (a field list, then
// a generic buffer sequence over it) cost a fifth of a small request's instructions; the
// bytes are the same (status text from Beast, fields in the handler's order).
#include <cstddef>
#include <string>
#include <string_view>

#include "common/http/message.hpp"

namespace ambient::http::detail {

inline constexpr std::string_view kServerName = "ambient-api-server";

// The status a response is sent with: the handler's, or 500 when it is not a status code.
unsigned wire_status(int status);

// How the body after the head is delimited: not at all (1xx, 204, 304), by its length, or
// in chunks (a streamed response).
struct BodyFraming {
    enum class Kind { None, Length, Chunked };
    static BodyFraming none() { return {}; }
    static BodyFraming of_length(std::size_t bytes) { return {Kind::Length, bytes}; }
    static BodyFraming chunked() { return {Kind::Chunked, 0}; }
    Kind kind = Kind::None;
    std::size_t length = 0;
};

// The head of `response` to `request`, for plain and streamed responses alike: the handler's
// headers except framing ones (which are the server's business), Server and X-Operation-ID,
// Content-Length or Transfer-Encoding as `framing` says, and "Connection: close" unless
// `keep_alive`. A header whose name or value holds a CR, LF or NUL is left out rather than
// let split the response.
std::string response_head(const Response& response, const Request& request, bool keep_alive, BodyFraming framing);

// Content-Length, Transfer-Encoding and Connection: set by the server, never by a handler.
bool is_framing_header(std::string_view name);

}  // namespace ambient::http::detail
