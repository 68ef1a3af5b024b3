#include "api/search/binding.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

#include "api/search/text.hpp"
#include "api/search/timestamp.hpp"

namespace ambient::search {
namespace {

[[noreturn]] void wrong_type(const store::Column& column, std::string_view expected) {
    // The value itself is not repeated: it is client data and may be long.
    fail("field '" + column.name + "' expects " + std::string(expected));
}

std::int64_t to_integer(const store::Column& column, const std::string& text) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error == std::errc::result_out_of_range) {
        fail("value for field '" + column.name + "' is out of range");
    }
    if (error != std::errc{} || stop != end || text.empty()) wrong_type(column, "an integer");
    return value;
}

double to_real(const store::Column& column, const std::string& text) {
    // from_chars alone would also take "inf", "nan" and exponents; the language's number
    // syntax is narrower and the same for quoted and bare values.
    if (!is_number_text(text)) wrong_type(column, "a number");
    double value = 0;
    const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || stop != text.data() + text.size()) {
        fail("value for field '" + column.name + "' is out of range");
    }
    return value;
}

}  // namespace

store::SqlValue bind_literal(const store::Column& column, const Literal& literal) {
    switch (column.type) {
        case store::ColumnType::Text:
            if (literal.kind == LiteralKind::Boolean) wrong_type(column, "a quoted string");
            return literal.text;
        case store::ColumnType::Integer:
            if (literal.kind == LiteralKind::Boolean) wrong_type(column, "an integer");
            return to_integer(column, literal.text);
        case store::ColumnType::Real:
            if (literal.kind == LiteralKind::Boolean) wrong_type(column, "a number");
            return to_real(column, literal.text);
        case store::ColumnType::Bool:
            if (literal.kind == LiteralKind::Number) wrong_type(column, "true or false");
            if (iequals(literal.text, "true")) return true;
            if (iequals(literal.text, "false")) return false;
            wrong_type(column, "true or false");
        case store::ColumnType::Timestamp:
            if (literal.kind != LiteralKind::String) wrong_type(column, "a quoted timestamp");
            // Stored timestamps are canonical text; compare like with like.
            if (auto canonical = normalize_timestamp(literal.text)) return *canonical;
            wrong_type(column, "an RFC 3339 timestamp such as '2026-01-31T12:00:00Z'");
    }
    wrong_type(column, "a value of a known type");
}

}  // namespace ambient::search
