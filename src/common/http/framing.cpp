#include "common/http/framing.hpp"

#include "common/http/field_text.hpp"

namespace ambient::http {
namespace {

constexpr std::string_view kEndOfSection = "\r\n\r\n";

// The transfer codings named by all the fields, in order, without parameters; empty list
// elements are skipped, as RFC 9110 5.6.1 asks of recipients.
std::vector<std::string_view> codings_of(const std::vector<std::string_view>& fields) {
    std::vector<std::string_view> codings;
    for (auto value : fields) {
        while (!value.empty()) {
            const auto comma = value.find(',');
            auto element = value.substr(0, comma);
            value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
            element = trim_whitespace(element.substr(0, element.find(';')));
            if (!element.empty()) codings.push_back(element);
        }
    }
    return codings;
}

bool is_chunked(std::string_view coding) {
    return iequals(coding, "chunked");
}

}  // namespace

std::optional<std::size_t> header_section_size(std::string_view bytes) {
    const auto end = bytes.find(kEndOfSection);
    if (end == std::string_view::npos) return std::nullopt;
    return end + kEndOfSection.size();
}

bool could_start_request(std::string_view bytes) {
    std::size_t i = bytes.find_first_not_of("\r\n");
    for (; i < bytes.size() && bytes[i] != '\n'; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if ((c < 0x20 || c > 0x7e) && c != '\t' && c != '\r') return false;
    }
    return true;
}

bool has_folded_line(std::string_view header_section) {
    // The last CRLF of the section is followed by nothing of the header; every earlier one
    // starts a new field line, which must not begin with whitespace.
    for (auto crlf = header_section.find("\r\n"); crlf != std::string_view::npos;
         crlf = header_section.find("\r\n", crlf + 2)) {
        if (crlf + 2 >= header_section.size()) break;
        const char next = header_section[crlf + 2];
        if (next == ' ' || next == '\t') return true;
    }
    return false;
}

std::optional<RequestRefusal> check_framing(const FramingHeaders& headers) {
    if (headers.transfer_encodings.empty()) return std::nullopt;
    if (headers.version < 11) return RequestRefusal{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
    if (headers.content_length_fields > 0) {
        return RequestRefusal{400, "A request must not carry both Transfer-Encoding and Content-Length"};
    }
    const auto codings = codings_of(headers.transfer_encodings);
    if (codings.empty() || !is_chunked(codings.back())) {
        return RequestRefusal{400, "The final transfer coding of a request must be chunked"};
    }
    for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
        if (is_chunked(codings[i])) return RequestRefusal{400, "The chunked transfer coding may be applied only once"};
    }
    if (codings.size() > 1) return RequestRefusal{501, "Only the chunked transfer coding is implemented"};
    return std::nullopt;
}

}  // namespace ambient::http
