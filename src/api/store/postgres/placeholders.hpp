#pragma once
// Rewrites the portable `?` placeholders into PostgreSQL's numbered `$1..$n`.
#include <cstddef>
#include <string>
#include <string_view>

namespace ambient::store::postgres {

struct NumberedSql {
    std::string sql;
    std::size_t placeholders = 0;
};

// Replaces each `?` outside quoted text with `$1`, `$2`, … in order. A `?` inside a
// single-quoted literal (including E'…' with backslash escapes), a double-quoted
// identifier, a dollar-quoted string or a comment is left alone.
NumberedSql number_placeholders(std::string_view sql);

}  // namespace ambient::store::postgres
