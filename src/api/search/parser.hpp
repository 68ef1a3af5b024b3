#pragma once
// Recursive-descent parser for the search language:
//   or_expr    := and_expr { OR and_expr }
//   and_expr   := not_expr { AND not_expr }
//   not_expr   := NOT not_expr | '(' or_expr ')' | comparison
//   comparison := field ( cmp_op value | [NOT] LIKE value | [NOT] IN '(' value {',' value} ')'
//                       | [NOT] BETWEEN value AND value | IS [NOT] NULL )
//   value      := string | number | TRUE | FALSE
#include <string_view>

#include "api/search/ast.hpp"

namespace ambient::search {

// Parses a non-blank expression, enforcing the limits in limits.hpp. Throws SearchError.
Expr parse(std::string_view expression);

}  // namespace ambient::search
