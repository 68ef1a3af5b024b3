#include "api/search/text.hpp"

#include <algorithm>
#include <utility>

#include "api/search/limits.hpp"
#include "api/search/search.hpp"

namespace ambient::search {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_blank(std::string_view text) {
    for (char c : text) {
        if (!is_space(c)) return false;
    }
    return true;
}

bool is_identifier_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_identifier_char(char c) {
    return is_identifier_start(c) || is_digit(c);
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool is_number_text(std::string_view text) {
    std::size_t i = 0;
    if (i < text.size() && text[i] == '-') ++i;
    const std::size_t integer_start = i;
    while (i < text.size() && is_digit(text[i]))
        ++i;
    if (i == integer_start) return false;
    if (i == text.size()) return true;
    if (text[i] != '.') return false;
    const std::size_t fraction_start = ++i;
    while (i < text.size() && is_digit(text[i]))
        ++i;
    return i > fraction_start && i == text.size();
}

std::string excerpt(std::string_view text) {
    // Messages end up in a JSON error body: non-printable bytes, and multi-byte sequences
    // the cut might split, are replaced so the body stays valid UTF-8 and readable.
    std::string out;
    const std::size_t shown = std::min(text.size(), kMaxExcerptLength);
    out.reserve(shown + 3);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
    }
    if (text.size() > shown) out += "...";
    return out;
}

void fail(std::string message) {
    throw SearchError(std::move(message));
}

}  // namespace ambient::search
