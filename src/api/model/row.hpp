#pragma once
// One stored object as column name → value. Absent keys and monostate both mean NULL.
#include <map>
#include <string>

#include "api/store/value.hpp"

namespace ambient::model {

using Row = std::map<std::string, store::SqlValue, std::less<>>;

// The string value of a column, or "" when absent, NULL or not a string.
const std::string& text_of(const Row& row, std::string_view column);

}  // namespace ambient::model
