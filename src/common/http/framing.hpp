#pragma once
// The message-framing rules of RFC 9112 that Beast 1.74's request parser does not enforce.
// Found by feeding the parser raw requests (see tests/unit/http/framing_test.cpp and
// tests/security/http_framing_test.cpp), Beast 1.74:
//   - ignores a Transfer-Encoding whose last coding is not `chunked` ("chunked, identity",
//     "chunked, chunked"): the body is then empty, or Content-Length long if one follows, and
//     the bytes after it are parsed as the next request: request smuggling;
//   - accepts Transfer-Encoding (not ending in chunked) followed by Content-Length, framing by
//     the length; refuses them in the other order, and chunked with Content-Length either way;
//   - accepts obsolete line folding (a field line continued by a line starting with SP or
//     HTAB) and joins the lines with spaces;
//   - honours Transfer-Encoding on HTTP/1.0, which RFC 9112 6.1 calls faulty framing;
//   - accepts any token as a method, keeping its case ("get" is verb::unknown, not GET);
//   - refuses differing Content-Length values itself, and accepts repeated equal ones.
// No Beast here: the rules work on plain text, so they are unit-tested on their own.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ambient::http {

// The size of the header section at the start of `bytes` (start line, field lines and the
// empty line that ends them), or nullopt while its end has not arrived.
std::optional<std::size_t> header_section_size(std::string_view bytes);

// False as soon as `bytes` (what arrived of a request so far) cannot be the start of an
// HTTP/1.1 request: its first line (after the empty lines RFC 9112 2.2 lets a server skip)
// holds a byte other than visible ASCII, SP, HTAB or CR. Such a peer (a TLS ClientHello, a
// binary protocol) is answered at once instead of waiting for a header end that never comes.
bool could_start_request(std::string_view bytes);

// True when a header section contains obsolete line folding (a CRLF followed by SP or HTAB
// before the section's end), which RFC 9112 5.2 lets a server reject with 400.
bool has_folded_line(std::string_view header_section);

struct FramingHeaders {
    int version = 11;                                  // 10 for HTTP/1.0, 11 for HTTP/1.1
    std::vector<std::string_view> transfer_encodings;  // the value of every Transfer-Encoding field
    std::size_t content_length_fields = 0;
};

// A request answered with an error status and its connection closed.
struct RequestRefusal {
    int status;  // check_framing(): 400, or 501 for a transfer coding we do not implement
    std::string reason;
};

// Why a request's framing headers must be refused, or nullopt when they are fine. Accepted:
// no Transfer-Encoding, or on HTTP/1.1 exactly the coding `chunked` (any case) and no
// Content-Length. Refused with 400: Transfer-Encoding on HTTP/1.0, with Content-Length, whose
// final coding is not chunked, or that applies chunked twice; with 501: any other coding
// before chunked (RFC 9112 6.1). Either way the connection is closed after the answer, since
// where the next request starts is unknown.
std::optional<RequestRefusal> check_framing(const FramingHeaders& headers);

}  // namespace ambient::http
