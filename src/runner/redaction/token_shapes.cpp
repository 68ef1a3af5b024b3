#include "runner/redaction/token_shapes.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace ambient::runner::redaction {
namespace {

constexpr bool is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}
constexpr bool is_upper(unsigned char c) {
    return c >= 'A' && c <= 'Z';
}
constexpr bool is_lower(unsigned char c) {
    return c >= 'a' && c <= 'z';
}
constexpr bool alnum(unsigned char c) {
    return is_digit(c) || is_upper(c) || is_lower(c);
}
constexpr bool alnum_underscore(unsigned char c) {
    return alnum(c) || c == '_';
}
constexpr bool alnum_underscore_dash(unsigned char c) {
    return alnum_underscore(c) || c == '-';
}
// GitLab's newer tokens carry a '.'-separated suffix; a '.' that ends the run is a full stop.
constexpr bool gitlab(unsigned char c) {
    return alnum_underscore_dash(c) || c == '.';
}
constexpr bool alnum_dash(unsigned char c) {
    return alnum(c) || c == '-';
}
constexpr bool upper_digit(unsigned char c) {
    return is_upper(c) || is_digit(c);
}

constexpr std::size_t kMaxBody = 255;

struct Shape {
    std::string_view prefix;  // '?' stands for any lower-case letter (never first)
    bool (*body)(unsigned char);
    std::size_t min_body;
    std::size_t max_body;
    bool trim_final_dots = false;  // a '.' that ends the run is a full stop, not the token's
};

constexpr std::array kShapes = {
    Shape{"ghp_", alnum, 20, kMaxBody},          Shape{"gho_", alnum, 20, kMaxBody},
    Shape{"ghs_", alnum, 20, kMaxBody},          Shape{"ghu_", alnum, 20, kMaxBody},
    Shape{"ghr_", alnum, 20, kMaxBody},          Shape{"github_pat_", alnum_underscore, 20, kMaxBody},
    Shape{"glpat-", gitlab, 20, kMaxBody, true}, Shape{"sk-ant-", alnum_underscore_dash, 20, kMaxBody},
    Shape{"xox?-", alnum_dash, 10, kMaxBody},    Shape{"AKIA", upper_digit, 16, 16},
    Shape{"ASIA", upper_digit, 16, 16},
};

// For each byte, the shapes whose prefix starts with it (bit i: kShapes[i]).
constexpr std::array<std::uint16_t, 256> make_starts() {
    static_assert(kShapes.size() <= 16);
    std::array<std::uint16_t, 256> starts{};
    for (std::size_t i = 0; i < kShapes.size(); ++i)
        starts[static_cast<unsigned char>(kShapes[i].prefix[0])] |= static_cast<std::uint16_t>(1u << i);
    return starts;
}
constexpr auto kStarts = make_starts();

enum class Outcome { None, Token, Open };

Outcome match_at(const Shape& shape, std::string_view text, std::size_t at, bool complete, std::size_t& end) {
    std::size_t i = at;
    for (const char p : shape.prefix) {
        if (i == text.size()) return complete ? Outcome::None : Outcome::Open;
        const auto c = static_cast<unsigned char>(text[i]);
        if (p == '?' ? !is_lower(c) : c != static_cast<unsigned char>(p)) return Outcome::None;
        ++i;
    }
    const std::size_t body = i;
    const std::size_t limit = std::min(text.size(), body + shape.max_body);
    while (i < limit && shape.body(static_cast<unsigned char>(text[i])))
        ++i;
    if (!complete && i == text.size() && i - body < shape.max_body) return Outcome::Open;
    if (shape.trim_final_dots) {
        while (i > body && text[i - 1] == '.')
            --i;
    }
    if (i - body < shape.min_body) return Outcome::None;
    end = i;
    return Outcome::Token;
}

}  // namespace

std::size_t scan_token_shapes(std::string_view text, bool complete, std::vector<Span>& out) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto candidates = kStarts[static_cast<unsigned char>(text[i])];
        if (candidates == 0) {
            ++i;
            continue;
        }
        std::size_t token_end = 0;
        bool found = false;
        for (; candidates != 0; candidates &= static_cast<std::uint16_t>(candidates - 1)) {
            std::size_t end = 0;
            const auto outcome = match_at(kShapes[std::countr_zero(candidates)], text, i, complete, end);
            // Undecided until more text comes: hold from here (a later shape's token might be
            // a shorter reading of what this one will match).
            if (outcome == Outcome::Open) return i;
            if (outcome == Outcome::Token && !found) {
                found = true;
                token_end = end;
            }
        }
        if (found) {
            out.push_back({i, token_end});
            i = token_end;
        } else {
            ++i;
        }
    }
    return text.size();
}

std::size_t longest_token_shape() {
    std::size_t longest = 0;
    for (const auto& s : kShapes)
        longest = std::max(longest, s.prefix.size() + s.max_body);
    return longest;
}

}  // namespace ambient::runner::redaction
