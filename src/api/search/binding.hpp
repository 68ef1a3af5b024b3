#pragma once
// Turns a literal into the value bound for a column, by the column's declared type.
#include "api/search/ast.hpp"
#include "api/store/value.hpp"

namespace ambient::search {

// Throws SearchError when the literal cannot represent a value of the column's type.
store::SqlValue bind_literal(const store::Column& column, const Literal& literal);

}  // namespace ambient::search
