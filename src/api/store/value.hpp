#pragma once
// The values that cross the storage boundary: parameters bound to statements and the
// cells of result rows. Timestamps travel as RFC 3339 text in UTC with microseconds
// ("2026-11-28T14:55:00.123456Z"); booleans as bool; both drivers convert.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace ambient::store {

using SqlValue = std::variant<std::monostate, std::int64_t, double, bool, std::string>;

inline bool is_null(const SqlValue& v) {
    return std::holds_alternative<std::monostate>(v);
}

// A text cell's value; empty for NULL (and for a cell that is not text).
inline std::string text_of(const SqlValue& v) {
    const auto* s = std::get_if<std::string>(&v);
    return s != nullptr ? *s : std::string();
}

// The declared type of a column; drivers use it to convert cells and the search
// compiler uses it to reject operators that make no sense for the column.
enum class ColumnType { Text, Integer, Real, Bool, Timestamp };

struct Column {
    std::string name;
    ColumnType type = ColumnType::Text;
};

// A piece of SQL with `?` placeholders and the values to bind to them, in order.
// Drivers rewrite `?` to their own placeholder syntax; generated SQL never holds a
// literal `?` inside a quoted string.
struct SqlFragment {
    std::string sql;
    std::vector<SqlValue> params;
};

}  // namespace ambient::store
