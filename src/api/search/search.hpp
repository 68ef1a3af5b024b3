#pragma once
// The `search` query parameter: upstream's SQL-like filter language (TSL), compiled into
// a parameterised WHERE fragment over a per-kind column allow-list. User text only ever
// becomes a bound parameter; identifiers must be on the allow-list.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api/store/value.hpp"

namespace ambient::search {

// Thrown for any expression that does not parse or names a column that is not allowed.
// `what()` is safe to show to the client (it never echoes more than a short excerpt).
class SearchError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Compiles `expression` into SQL. Column names are emitted as `<table_alias>.<name>` when
// `table_alias` is not empty. An empty or all-blank expression yields an empty fragment.
// Throws SearchError.
store::SqlFragment compile(std::string_view expression, const std::vector<store::Column>& allowed,
                           std::string_view table_alias = {});

// Parses an `orderBy` value ("name, created_at desc") into "name ASC, created_at DESC"
// over the same allow-list. Throws SearchError on an unknown column or direction.
std::string compile_order_by(std::string_view order_by, const std::vector<store::Column>& allowed,
                             std::string_view table_alias = {});

}  // namespace ambient::search
