#pragma once
// The parsed form of a search expression, before field names are resolved and literals
// are typed against the allow-list. Its depth is bounded by the parser's nesting limit.
#include <cstddef>
#include <string>
#include <vector>

namespace ambient::search {

enum class LiteralKind { String, Number, Boolean };

struct Literal {
    LiteralKind kind = LiteralKind::String;
    // String: unescaped contents; Number: as written; Boolean: "true" or "false".
    std::string text;
};

enum class Operator {
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Like,
    NotLike,
    In,
    NotIn,
    Between,
    NotBetween,
    IsNull,
    IsNotNull,
};

struct Comparison {
    std::string field;
    Operator op = Operator::Equal;
    // None for is [not] null, two for [not] between, one or more for [not] in, else one.
    std::vector<Literal> values;
};

enum class ExprKind { Comparison, And, Or, Not };

struct Expr {
    ExprKind kind = ExprKind::Comparison;
    Comparison comparison;       // when kind == Comparison
    std::vector<Expr> operands;  // two or more for And/Or, exactly one for Not
};

}  // namespace ambient::search
