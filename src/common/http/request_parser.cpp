#include "common/http/request_parser.hpp"

#include "common/http/field_text.hpp"

namespace ambient::http::detail {

FramingHeaders RequestParser::framing() const {
    FramingHeaders headers;
    headers.version = version_;
    for (const auto index : transfer_encodings_)
        headers.transfer_encodings.emplace_back(request_.headers[index].second);
    headers.content_length_fields = content_length_fields_;
    return headers;
}

void RequestParser::on_request_impl(boost::beast::http::verb, string_view method, string_view target, int version,
                                    error_code&) {
    // As sent: methods are case-sensitive (RFC 9110 9.1), and "get" is not GET.
    request_.method.assign(method.data(), method.size());
    request_.target.assign(target.data(), target.size());
    version_ = version;
}

void RequestParser::on_field_impl(field name, string_view name_string, string_view value, error_code&) {
    if (name == field::transfer_encoding) transfer_encodings_.push_back(request_.headers.size());
    if (name == field::content_length) ++content_length_fields_;
    if (name == field::expect && iequals(std::string_view(value.data(), value.size()), "100-continue")) {
        expects_continue_ = true;
    }
    request_.headers.emplace_back(std::string(name_string.data(), name_string.size()),
                                  std::string(value.data(), value.size()));
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) {
    // The parser has held the length to its body limit already.
    if (content_length) request_.body.reserve(static_cast<std::size_t>(*content_length));
}

std::size_t RequestParser::on_body_impl(string_view body, error_code&) {
    request_.body.append(body.data(), body.size());
    return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
    request_.body.append(body.data(), body.size());
    return body.size();
}

}  // namespace ambient::http::detail
