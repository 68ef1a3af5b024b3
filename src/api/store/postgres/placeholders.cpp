#include "api/store/postgres/placeholders.hpp"

#include <cctype>

namespace ambient::store::postgres {

namespace {

bool is_identifier_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// The length of the dollar-quote tag (`$$` or `$tag$`) starting at `pos`, or 0 when the `$`
// there starts something else (a parameter such as `$1`, or part of an identifier).
std::size_t dollar_tag_length(std::string_view sql, std::size_t pos) {
    if (pos > 0 && is_identifier_char(sql[pos - 1])) return 0;
    std::size_t end = pos + 1;
    if (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end])) != 0) return 0;
    while (end < sql.size() && is_identifier_char(sql[end]) && sql[end] != '$')
        ++end;
    if (end < sql.size() && sql[end] == '$') return end - pos + 1;
    return 0;
}

}  // namespace

NumberedSql number_placeholders(std::string_view sql) {
    NumberedSql out;
    out.sql.reserve(sql.size() + 16);
    std::size_t i = 0;
    // Copies sql[i] up to and including the first `close` at or after `from`, or to the end.
    auto copy_through = [&](std::size_t from, std::string_view close) {
        std::size_t end = sql.find(close, from);
        end = end == std::string_view::npos ? sql.size() : end + close.size();
        out.sql.append(sql.substr(i, end - i));
        i = end;
    };
    while (i < sql.size()) {
        const char c = sql[i];
        if (c == '?') {
            out.sql += '$';
            out.sql += std::to_string(++out.placeholders);
            ++i;
        } else if (c == '\'') {
            // E'…' literals allow backslash escapes, so `\'` does not end them.
            const bool escapes =
                i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !is_identifier_char(sql[i - 2]));
            std::size_t j = i + 1;
            while (j < sql.size()) {
                if (escapes && sql[j] == '\\') {
                    j += 2;
                } else if (sql[j] == '\'') {
                    // A doubled quote is an escaped quote, not the end.
                    if (j + 1 < sql.size() && sql[j + 1] == '\'') {
                        j += 2;
                    } else {
                        break;
                    }
                } else {
                    ++j;
                }
            }
            const std::size_t end = j < sql.size() ? j + 1 : sql.size();
            out.sql.append(sql.substr(i, end - i));
            i = end;
        } else if (c == '"') {
            // Doubled quotes inside an identifier escape themselves, so scanning to the
            // next quote and continuing from there handles them.
            copy_through(i + 1, "\"");
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            copy_through(i + 2, "\n");
        } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
            // Block comments nest in PostgreSQL.
            std::size_t j = i + 2;
            int depth = 1;
            while (j < sql.size() && depth > 0) {
                if (sql.compare(j, 2, "/*") == 0) {
                    ++depth;
                    j += 2;
                } else if (sql.compare(j, 2, "*/") == 0) {
                    --depth;
                    j += 2;
                } else {
                    ++j;
                }
            }
            out.sql.append(sql.substr(i, j - i));
            i = j;
        } else if (c == '$') {
            const std::size_t tag_length = dollar_tag_length(sql, i);
            if (tag_length == 0) {
                out.sql += c;
                ++i;
            } else {
                copy_through(i + tag_length, sql.substr(i, tag_length));
            }
        } else {
            out.sql += c;
            ++i;
        }
    }
    return out;
}

}  // namespace ambient::store::postgres
