#pragma once
// Resolving client-supplied field names against a kind's column allow-list.
#include <string>
#include <string_view>
#include <vector>

#include "api/store/value.hpp"

namespace ambient::search {

// The allowed column named exactly `name`; throws SearchError "unknown field '<name>'".
const store::Column& find_column(const std::vector<store::Column>& allowed, std::string_view name);

// `alias.name`, or just `name` when there is no alias.
std::string qualified_name(std::string_view alias, const store::Column& column);

}  // namespace ambient::search
