// compile(): what SQL and which parameters each construct of the language produces.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "api/search/search.hpp"

namespace ambient::search {
namespace {

using store::Column;
using store::ColumnType;
using store::SqlValue;
using Params = std::vector<SqlValue>;

const std::vector<Column> kColumns = {
    {"name", ColumnType::Text},  {"project_id", ColumnType::Text}, {"a", ColumnType::Text},
    {"b", ColumnType::Text},     {"c", ColumnType::Text},          {"priority", ColumnType::Integer},
    {"score", ColumnType::Real}, {"archived", ColumnType::Bool},   {"created_at", ColumnType::Timestamp},
};

SqlValue text(const char* s) {
    return std::string(s);
}
SqlValue integer(std::int64_t i) {
    return i;
}

struct Case {
    std::string test_name;
    std::string expression;
    std::string sql;
    Params params;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.expression;
}

class CompileCase : public testing::TestWithParam<Case> {};

TEST_P(CompileCase, ProducesExactSqlAndParams) {
    const Case& c = GetParam();
    const auto fragment = compile(c.expression, kColumns, "t");
    EXPECT_EQ(fragment.sql, c.sql);
    EXPECT_EQ(fragment.params, c.params);
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
    return info.param.test_name;
}

INSTANTIATE_TEST_SUITE_P(
    Operators, CompileCase,
    testing::Values(
        Case{"Equal", "name = 'x'", "t.name = ?", {text("x")}},
        Case{"NotEqualBang", "name != 'x'", "t.name <> ?", {text("x")}},
        Case{"NotEqualAngle", "name <> 'x'", "t.name <> ?", {text("x")}},
        Case{"Less", "priority < 3", "t.priority < ?", {integer(3)}},
        Case{"LessEqual", "priority <= 3", "t.priority <= ?", {integer(3)}},
        Case{"Greater", "priority > 3", "t.priority > ?", {integer(3)}},
        Case{"GreaterEqual", "priority >= 3", "t.priority >= ?", {integer(3)}},
        Case{"Like", "name like 'a%'", "t.name LIKE ? ESCAPE '\\'", {text("a%")}},
        Case{"NotLike", "name not like 'a_'", "t.name NOT LIKE ? ESCAPE '\\'", {text("a_")}},
        Case{"TildeEqualIsLike", "name ~= 'a%'", "t.name LIKE ? ESCAPE '\\'", {text("a%")}},
        Case{"TildeBangIsNotLike", "name ~! 'a%'", "t.name NOT LIKE ? ESCAPE '\\'", {text("a%")}},
        Case{"In", "name in ('x', 'y', 'z')", "t.name IN (?, ?, ?)", {text("x"), text("y"), text("z")}},
        Case{"InSingle", "name in ('x')", "t.name IN (?)", {text("x")}},
        Case{"NotIn", "priority not in (1,2)", "t.priority NOT IN (?, ?)", {integer(1), integer(2)}},
        Case{"Between", "priority between 1 and 5", "t.priority BETWEEN ? AND ?", {integer(1), integer(5)}},
        Case{"NotBetween", "name not between 'a' and 'm'", "t.name NOT BETWEEN ? AND ?", {text("a"), text("m")}},
        Case{"IsNull", "project_id is null", "t.project_id IS NULL", {}},
        Case{"IsNotNull", "project_id is not null", "t.project_id IS NOT NULL", {}},
        Case{"NoSpacesAroundOperator", "name='x'", "t.name = ?", {text("x")}},
        Case{"KeywordsAnyCase",
             "name NoT LiKe 'x' AnD project_id Is NoT nUlL",
             "(t.name NOT LIKE ? ESCAPE '\\' AND t.project_id IS NOT NULL)",
             {text("x")}},
        Case{"TimestampBindsCanonicalText",
             "created_at > '2026-01-01T00:00:00+01:00'",
             "t.created_at > ?",
             {text("2025-12-31T23:00:00.000000Z")}},
        Case{"TimestampBetween",
             "created_at between '2026-01-01' and '2026-02-01'",
             "t.created_at BETWEEN ? AND ?",
             {text("2026-01-01T00:00:00.000000Z"), text("2026-02-01T00:00:00.000000Z")}}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    BooleanLogic, CompileCase,
    testing::Values(Case{"AndBindsTighterThanOr",
                         "a = '1' or b = '2' and c = '3'",
                         "(t.a = ? OR (t.b = ? AND t.c = ?))",
                         {text("1"), text("2"), text("3")}},
                    Case{"AndBeforeOr",
                         "a = '1' and b = '2' or c = '3'",
                         "((t.a = ? AND t.b = ?) OR t.c = ?)",
                         {text("1"), text("2"), text("3")}},
                    Case{"ParenthesesOverridePrecedence",
                         "(a = '1' or b = '2') and c = '3'",
                         "((t.a = ? OR t.b = ?) AND t.c = ?)",
                         {text("1"), text("2"), text("3")}},
                    Case{"ChainsStayFlat",
                         "a = '1' or b = '2' or c = '3'",
                         "(t.a = ? OR t.b = ? OR t.c = ?)",
                         {text("1"), text("2"), text("3")}},
                    Case{"RedundantParenthesesDisappear", "((a = '1'))", "t.a = ?", {text("1")}},
                    Case{"NotOfComparison", "not a = '1'", "NOT (t.a = ?)", {text("1")}},
                    Case{"NotBindsTighterThanAnd",
                         "not a = '1' and b = '2'",
                         "(NOT (t.a = ?) AND t.b = ?)",
                         {text("1"), text("2")}},
                    Case{"NotOfGroup", "not (a = '1' or b = '2')", "NOT (t.a = ? OR t.b = ?)", {text("1"), text("2")}},
                    Case{"DoubleNot", "not not a = '1'", "NOT (NOT (t.a = ?))", {text("1")}},
                    Case{"BetweenAndIsNotALogicalAnd",
                         "priority between 1 and 2 and a = 'x'",
                         "(t.priority BETWEEN ? AND ? AND t.a = ?)",
                         {integer(1), integer(2), text("x")}},
                    Case{"ParamsFollowTextOrder",
                         "c = '3' and (a in ('1','2') or b is null)",
                         "(t.c = ? AND (t.a IN (?, ?) OR t.b IS NULL))",
                         {text("3"), text("1"), text("2")}}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    Literals, CompileCase,
    testing::Values(
        Case{"DoubledQuoteIsOneQuote", "name = 'O''Brien'", "t.name = ?", {text("O'Brien")}},
        Case{"OnlyAQuote", "name = ''''", "t.name = ?", {text("'")}},
        Case{"EmptyString", "name = ''", "t.name = ?", {text("")}},
        Case{"SqlInsideStringIsJustData", "name = 'x'' OR 1=1 --'", "t.name = ?", {text("x' OR 1=1 --")}},
        Case{"QuestionMarkInStringStaysAParam", "name = '?'", "t.name = ?", {text("?")}},
        Case{"Utf8String", "name = 'caf\xc3\xa9'", "t.name = ?", {text("caf\xc3\xa9")}},
        Case{"NegativeInteger", "priority = -42", "t.priority = ?", {integer(-42)}},
        Case{"QuotedIntegerForIntegerColumn", "priority = '7'", "t.priority = ?", {integer(7)}},
        Case{"Int64Max", "priority = 9223372036854775807", "t.priority = ?", {integer(INT64_MAX)}},
        Case{"DecimalForRealColumn", "score >= 2.5", "t.score >= ?", {SqlValue{2.5}}},
        Case{"NegativeDecimal", "score < -0.25", "t.score < ?", {SqlValue{-0.25}}},
        Case{"IntegerForRealColumn", "score = 3", "t.score = ?", {SqlValue{3.0}}},
        Case{"QuotedNumberForRealColumn", "score = '1.5'", "t.score = ?", {SqlValue{1.5}}},
        Case{"BareNumberForTextColumnKeepsItsText", "name = -1.50", "t.name = ?", {text("-1.50")}},
        Case{"TrueLiteral", "archived = true", "t.archived = ?", {SqlValue{true}}},
        Case{"FalseLiteralAnyCase", "archived != FALSE", "t.archived <> ?", {SqlValue{false}}},
        Case{"QuotedBoolean", "archived = 'true'", "t.archived = ?", {SqlValue{true}}},
        Case{"BooleanList", "archived in (true, 'false')", "t.archived IN (?, ?)", {SqlValue{true}, SqlValue{false}}}),
    case_name);

TEST(Compile, BlankExpressionYieldsEmptyFragment) {
    for (const char* blank : {"", " ", "\t\n \r"}) {
        const auto fragment = compile(blank, kColumns, "t");
        EXPECT_EQ(fragment.sql, "") << '"' << blank << '"';
        EXPECT_TRUE(fragment.params.empty());
    }
}

TEST(Compile, WithoutAliasColumnsAreUnqualified) {
    const auto fragment = compile("name = 'x' and priority > 1", kColumns);
    EXPECT_EQ(fragment.sql, "(name = ? AND priority > ?)");
    EXPECT_EQ(fragment.params, (Params{text("x"), integer(1)}));
}

TEST(Compile, LiteralValuesNeverAppearInSql) {
    const auto fragment = compile("name = 'DROP TABLE projects' or a like '%; --%'", kColumns, "t");
    EXPECT_EQ(fragment.sql, "(t.name = ? OR t.a LIKE ? ESCAPE '\\')");
    EXPECT_EQ(fragment.sql.find("DROP"), std::string::npos);
    EXPECT_EQ(fragment.params, (Params{text("DROP TABLE projects"), text("%; --%")}));
}

TEST(Compile, FieldNamesAreCaseSensitive) {
    EXPECT_THROW(compile("Name = 'x'", kColumns), SearchError);
}

TEST(Compile, UnknownFieldIsNamedInTheError) {
    try {
        compile("foo = 'x'", kColumns);
        FAIL() << "expected SearchError";
    } catch (const SearchError& e) {
        EXPECT_STREQ(e.what(), "unknown field 'foo'");
    }
}

}  // namespace
}  // namespace ambient::search
