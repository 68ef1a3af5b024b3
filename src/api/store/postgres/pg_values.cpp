#include "api/store/postgres/pg_values.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <variant>

namespace ambient::store::postgres {

namespace {

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// True for "yyyy-mm-dd hh:mm:ss" (or with a 'T').
bool looks_like_timestamp(std::string_view s) {
    return s.size() >= 19 && all_digits(s.substr(0, 4)) && s[4] == '-' && all_digits(s.substr(5, 2)) && s[7] == '-' &&
           all_digits(s.substr(8, 2)) && (s[10] == ' ' || s[10] == 'T') && all_digits(s.substr(11, 2)) &&
           s[13] == ':' && all_digits(s.substr(14, 2)) && s[16] == ':' && all_digits(s.substr(17, 2));
}

bool is_zero_offset(std::string_view offset) {
    return offset.empty() || offset == "Z" || offset == "+00" || offset == "+00:00" || offset == "-00" ||
           offset == "+00:00:00";
}

}  // namespace

std::optional<std::string> param_text(const SqlValue& value) {
    return std::visit(
        [](const auto& v) -> std::optional<std::string> {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return std::nullopt;
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                return std::to_string(v);
            } else if constexpr (std::is_same_v<T, double>) {
                // PostgreSQL spells the special values its own way.
                if (std::isnan(v)) return std::string("NaN");
                if (std::isinf(v)) return std::string(v > 0 ? "Infinity" : "-Infinity");
                char buffer[32];
                std::snprintf(buffer, sizeof buffer, "%.17g", v);
                return std::string(buffer);
            } else if constexpr (std::is_same_v<T, bool>) {
                return std::string(v ? "true" : "false");
            } else {
                return v;
            }
        },
        value);
}

SqlValue cell_value(unsigned oid, std::string_view text) {
    switch (oid) {
        case kBoolOid:
            return text == "t" || text == "true";
        case kInt8Oid:
        case kInt2Oid:
        case kInt4Oid: {
            std::int64_t v = 0;
            auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
            if (ec == std::errc() && ptr == text.data() + text.size()) return v;
            return std::string(text);
        }
        case kFloat4Oid:
        case kFloat8Oid:
        case kNumericOid: {
            // strtod (unlike from_chars) accepts PostgreSQL's "Infinity" and "NaN".
            std::string copy(text);
            char* end = nullptr;
            double v = std::strtod(copy.c_str(), &end);
            if (end != copy.c_str() && *end == '\0') return v;
            return copy;
        }
        case kTimestampOid:
        case kTimestampTzOid:
            return normalise_timestamp(text);
        default:
            return std::string(text);
    }
}

std::string normalise_timestamp(std::string_view text) {
    if (!looks_like_timestamp(text)) return std::string(text);
    std::string out(text.substr(0, 19));
    out[10] = 'T';
    std::size_t pos = 19;
    std::string fraction;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
            fraction += text[pos++];
    }
    const std::string_view offset = text.substr(pos);
    // BC dates and non-UTC offsets have no canonical form here; keep their information.
    if (!is_zero_offset(offset)) {
        std::string kept(text);
        kept[10] = 'T';
        return kept;
    }
    fraction.resize(6, '0');  // PostgreSQL keeps microseconds at most, so this only pads
    out += '.';
    out += fraction;
    out += 'Z';
    return out;
}

ParamTexts::ParamTexts(const std::vector<SqlValue>& params) {
    texts_.reserve(params.size());
    for (const SqlValue& param : params)
        texts_.push_back(param_text(param));
}

std::vector<const char*> ParamTexts::values() const {
    std::vector<const char*> out;
    out.reserve(texts_.size());
    for (const auto& text : texts_)
        out.push_back(text ? text->c_str() : nullptr);
    return out;
}

}  // namespace ambient::store::postgres
