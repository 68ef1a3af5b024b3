#include "common/http/response_head.hpp"

#include <boost/beast/http/status.hpp>

#include "common/http/field_text.hpp"

namespace ambient::http::detail {

namespace {

bool splits_the_head(std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

void append_field(std::string& head, std::string_view name, std::string_view value) {
    head.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

unsigned wire_status(int status) {
    return status >= 100 && status <= 999 ? static_cast<unsigned>(status) : 500;
}

bool is_framing_header(std::string_view name) {
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection");
}

std::string response_head(const Response& response, const Request& request, bool keep_alive, BodyFraming framing) {
    const auto status = wire_status(response.status);
    std::string head;
    head.reserve(192);
    head.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
    head.append(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status))).append("\r\n");
    for (const auto& [name, value] : response.headers) {
        // Server and X-Operation-ID are the server's to set, once.
        if (is_framing_header(name) || iequals(name, "Server") || iequals(name, "X-Operation-ID")) continue;
        if (splits_the_head(name) || splits_the_head(value)) continue;
        append_field(head, name, value);
    }
    append_field(head, "Server", kServerName);
    append_field(head, "X-Operation-ID", request.operation_id);
    if (framing.kind == BodyFraming::Kind::Length) append_field(head, "Content-Length", std::to_string(framing.length));
    if (framing.kind == BodyFraming::Kind::Chunked) append_field(head, "Transfer-Encoding", "chunked");
    if (!keep_alive) append_field(head, "Connection", "close");
    head.append("\r\n");
    return head;
}

}  // namespace ambient::http::detail
