// compile(): parse, then emit SQL while resolving fields and typing literals.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/search/binding.hpp"
#include "api/search/columns.hpp"
#include "api/search/limits.hpp"
#include "api/search/parser.hpp"
#include "api/search/search.hpp"
#include "api/search/text.hpp"

namespace ambient::search {
namespace {

// Both databases then treat `\` as the LIKE escape; PostgreSQL does by default, SQLite
// only when told, and the same search must match the same rows on either.
constexpr std::string_view kLikeEscape = " ESCAPE '\\'";

std::string_view operator_sql(Operator op) {
    switch (op) {
        case Operator::Equal:
            return " = ?";
        case Operator::NotEqual:
            return " <> ?";
        case Operator::Less:
            return " < ?";
        case Operator::LessEqual:
            return " <= ?";
        case Operator::Greater:
            return " > ?";
        case Operator::GreaterEqual:
            return " >= ?";
        case Operator::Like:
            return " LIKE ?";
        case Operator::NotLike:
            return " NOT LIKE ?";
        case Operator::In:
            return " IN (";
        case Operator::NotIn:
            return " NOT IN (";
        case Operator::Between:
            return " BETWEEN ? AND ?";
        case Operator::NotBetween:
            return " NOT BETWEEN ? AND ?";
        case Operator::IsNull:
            return " IS NULL";
        case Operator::IsNotNull:
            return " IS NOT NULL";
    }
    return {};
}

std::string_view operator_name(Operator op) {
    switch (op) {
        case Operator::Less:
            return "<";
        case Operator::LessEqual:
            return "<=";
        case Operator::Greater:
            return ">";
        case Operator::GreaterEqual:
            return ">=";
        case Operator::Like:
            return "like";
        case Operator::NotLike:
            return "not like";
        case Operator::Between:
            return "between";
        case Operator::NotBetween:
            return "not between";
        default:
            return "this operator";
    }
}

void check_operator(const store::Column& column, Operator op) {
    const bool is_like = op == Operator::Like || op == Operator::NotLike;
    if (is_like && column.type != store::ColumnType::Text) {
        fail("operator '" + std::string(operator_name(op)) + "' needs a text field, '" + column.name + "' is not");
    }
    // Ordering true against false means nothing to a client; equality and lists do.
    const bool is_ordering = op == Operator::Less || op == Operator::LessEqual || op == Operator::Greater ||
                             op == Operator::GreaterEqual || op == Operator::Between || op == Operator::NotBetween;
    if (is_ordering && column.type == store::ColumnType::Bool) {
        fail("operator '" + std::string(operator_name(op)) + "' cannot be used on boolean field '" + column.name + "'");
    }
}

class Emitter {
public:
    Emitter(const std::vector<store::Column>& allowed, std::string_view alias) : allowed_(allowed), alias_(alias) {}

    store::SqlFragment run(const Expr& expr) {
        emit(expr);
        return std::move(fragment_);
    }

private:
    void emit(const Expr& expr) {
        switch (expr.kind) {
            case ExprKind::Comparison:
                emit_comparison(expr.comparison);
                return;
            case ExprKind::Not:
                emit_not(expr.operands.front());
                return;
            case ExprKind::And:
                emit_group(expr.operands, " AND ");
                return;
            case ExprKind::Or:
                emit_group(expr.operands, " OR ");
                return;
        }
    }

    // Every group is parenthesised, including the outermost, so the fragment keeps its
    // meaning when a caller splices it next to other conditions.
    void emit_group(const std::vector<Expr>& operands, std::string_view joiner) {
        sql() += '(';
        for (std::size_t i = 0; i < operands.size(); ++i) {
            if (i > 0) sql() += joiner;
            emit(operands[i]);
        }
        sql() += ')';
    }

    void emit_not(const Expr& operand) {
        sql() += "NOT ";
        const bool is_group = operand.kind == ExprKind::And || operand.kind == ExprKind::Or;
        if (!is_group) sql() += '(';
        emit(operand);
        if (!is_group) sql() += ')';
    }

    void emit_comparison(const Comparison& comparison) {
        const store::Column& column = find_column(allowed_, comparison.field);
        check_operator(column, comparison.op);
        sql() += qualified_name(alias_, column);
        sql() += operator_sql(comparison.op);
        if (comparison.op == Operator::In || comparison.op == Operator::NotIn) {
            for (std::size_t i = 0; i < comparison.values.size(); ++i) {
                sql() += i == 0 ? "?" : ", ?";
            }
            sql() += ')';
        }
        if (comparison.op == Operator::Like || comparison.op == Operator::NotLike) {
            sql() += kLikeEscape;
        }
        for (const auto& literal : comparison.values) {
            fragment_.params.push_back(bind_literal(column, literal));
        }
    }

    std::string& sql() { return fragment_.sql; }

    const std::vector<store::Column>& allowed_;
    std::string_view alias_;
    store::SqlFragment fragment_;
};

}  // namespace

store::SqlFragment compile(std::string_view expression, const std::vector<store::Column>& allowed,
                           std::string_view table_alias) {
    if (expression.size() > kMaxExpressionLength) {
        fail("search expression longer than " + std::to_string(kMaxExpressionLength) + " characters");
    }
    if (is_blank(expression)) return {};
    return Emitter(allowed, table_alias).run(parse(expression));
}

}  // namespace ambient::search
