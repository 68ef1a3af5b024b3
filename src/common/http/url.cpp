#include "common/http/url.hpp"

namespace ambient::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Escapes the path may not carry: they would change the path's structure once decoded.
bool is_forbidden_in_path(std::string_view decoded_char) {
    const auto c = static_cast<unsigned char>(decoded_char.front());
    return c == '/' || c < 0x20 || c == 0x7f;
}

bool has_forbidden_escape(std::string_view raw_path) {
    for (auto percent = raw_path.find('%'); percent != std::string_view::npos;
         percent = raw_path.find('%', percent + 1)) {
        const auto decoded = percent_decode(raw_path.substr(percent, 3));
        if (decoded && is_forbidden_in_path(*decoded)) return true;
    }
    return false;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (text.size() - i < 3) return std::nullopt;
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::string_view raw_path(std::string_view target) {
    return target.substr(0, target.find('?'));
}

std::optional<DecodedTarget> decode_target(std::string_view target) {
    DecodedTarget decoded;
    const auto question = target.find('?');
    if (has_forbidden_escape(target.substr(0, question))) return std::nullopt;
    auto path = percent_decode(target.substr(0, question));
    if (!path) return std::nullopt;
    while (path->size() > 1 && path->back() == '/')
        path->pop_back();
    if (path->empty()) *path = "/";
    decoded.path = std::move(*path);

    if (question == std::string_view::npos) return decoded;
    auto query = target.substr(question + 1);
    // A fragment is never sent by conforming clients; drop one rather than decode it.
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!name || !value) return std::nullopt;
        decoded.query.emplace_back(std::move(*name), std::move(*value));
    }
    return decoded;
}

}  // namespace ambient::http
