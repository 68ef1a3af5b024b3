#pragma once
// Internal to the HTTP layer: Beast's HTTP/1.1 request parser, filling our Request directly.
// Beast's request_parser<string_body> keeps the fields in its own list, which the server then
// copied field by field into the Request: two allocations per field and a list walk per
// lookup, on every request. Here each field is copied once, into the Request it ends up in,
// and what the framing checks need (framing.hpp) is gathered on the way.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/beast/http/basic_parser.hpp>

#include "common/http/framing.hpp"
#include "common/http/message.hpp"

namespace ambient::http::detail {

class RequestParser final : public boost::beast::http::basic_parser<true> {
public:
    // The request as parsed so far: method, target, headers and body (no path, query or
    // operation id yet).
    Request& request() { return request_; }
    int version() const { return version_; }
    // What check_framing() needs; valid while the parser lives.
    FramingHeaders framing() const;
    // True when the client asked for "100-continue" before sending its body.
    bool expects_continue() const { return expects_continue_; }

private:
    using string_view = boost::beast::string_view;
    using error_code = boost::system::error_code;
    using field = boost::beast::http::field;

    void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int version,
                         error_code&) override;
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(field name, string_view name_string, string_view value, error_code&) override;
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) override;
    std::size_t on_body_impl(string_view body, error_code&) override;
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
    void on_finish_impl(error_code&) override {}

    Request request_;
    int version_ = 11;
    std::vector<std::size_t> transfer_encodings_;  // indexes into request_.headers
    std::size_t content_length_fields_ = 0;
    bool expects_continue_ = false;
};

}  // namespace ambient::http::detail
