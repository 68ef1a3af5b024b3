// compile(): everything it must refuse, and what the refusal says.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/search/search.hpp"

namespace ambient::search {
namespace {

using store::Column;
using store::ColumnType;

const std::vector<Column> kColumns = {
    {"name", ColumnType::Text},  {"x", ColumnType::Text},        {"priority", ColumnType::Integer},
    {"score", ColumnType::Real}, {"archived", ColumnType::Bool}, {"created_at", ColumnType::Timestamp},
};

// The message of the SearchError that compiling `expression` throws ("" if none is thrown).
std::string error_of(const std::string& expression) {
    try {
        compile(expression, kColumns, "t");
    } catch (const SearchError& e) {
        return e.what();
    }
    return "";
}

struct ErrorCase {
    std::string test_name;
    std::string expression;
    std::string message;  // exact SearchError text
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
    *os << c.expression;
}

class CompileErrorCase : public testing::TestWithParam<ErrorCase> {};

TEST_P(CompileErrorCase, ThrowsSearchErrorWithMessage) {
    EXPECT_EQ(error_of(GetParam().expression), GetParam().message);
}

std::string case_name(const testing::TestParamInfo<ErrorCase>& info) {
    return info.param.test_name;
}

INSTANTIATE_TEST_SUITE_P(
    TypeErrors, CompileErrorCase,
    testing::Values(
        ErrorCase{"LikeOnInteger", "priority like '1%'", "operator 'like' needs a text field, 'priority' is not"},
        ErrorCase{"NotLikeOnTimestamp", "created_at not like '2026%'",
                  "operator 'not like' needs a text field, 'created_at' is not"},
        ErrorCase{"TildeLikeOnBool", "archived ~= 'true'", "operator 'like' needs a text field, 'archived' is not"},
        ErrorCase{"DecimalForInteger", "priority = 1.5", "field 'priority' expects an integer"},
        ErrorCase{"TextForInteger", "priority = 'high'", "field 'priority' expects an integer"},
        ErrorCase{"BooleanForInteger", "priority = true", "field 'priority' expects an integer"},
        ErrorCase{"IntegerOverflow", "priority = 9223372036854775808", "value for field 'priority' is out of range"},
        ErrorCase{"TextForReal", "score = 'abc'", "field 'score' expects a number"},
        ErrorCase{"InfinityForReal", "score = 'inf'", "field 'score' expects a number"},
        ErrorCase{"NumberForBool", "archived = 1", "field 'archived' expects true or false"},
        ErrorCase{"WordStringForBool", "archived = 'yes'", "field 'archived' expects true or false"},
        ErrorCase{"OrderingOnBool", "archived < true", "operator '<' cannot be used on boolean field 'archived'"},
        ErrorCase{"BetweenOnBool", "archived between false and true",
                  "operator 'between' cannot be used on boolean field 'archived'"},
        ErrorCase{"BareNumberForTimestamp", "created_at > 2026", "field 'created_at' expects a quoted timestamp"},
        ErrorCase{"BooleanForText", "name = true", "field 'name' expects a quoted string"},
        ErrorCase{"BadValueInsideList", "priority in (1, 'two')", "field 'priority' expects an integer"}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    SyntaxErrors, CompileErrorCase,
    testing::Values(
        ErrorCase{"UnknownField", "foo = 'x'", "unknown field 'foo'"},
        ErrorCase{"EmptyInList", "name in ()", "expected a value (the list is empty) but found ')' at position 10"},
        ErrorCase{"InWithoutParentheses", "name in 'x'", "expected '(' but found a quoted string at position 9"},
        ErrorCase{"TrailingCommaInList", "name in ('x',)",
                  "expected a quoted string, a number, true or false but found ')' at position 14"},
        ErrorCase{"BetweenWithoutAnd", "priority between 1 or 2", "expected 'and' but found 'or' at position 20"},
        ErrorCase{"IsWithoutNull", "name is 'x'", "expected 'null' but found a quoted string at position 9"},
        ErrorCase{"NotWithoutOperator", "name not = 'x'",
                  "expected 'like', 'in' or 'between' but found '=' at position 10"},
        ErrorCase{"MissingOperator", "name 'x'",
                  "expected a comparison operator but found a quoted string at position 6"},
        ErrorCase{"MissingValue", "name =",
                  "expected a quoted string, a number, true or false "
                  "but the expression ended"},
        ErrorCase{"BareIdentifierAsValue", "name = a",
                  "expected a quoted string, a number, true or false but found 'a' at position 8"},
        ErrorCase{"LiteralOnLeft", "1 = 1", "expected a field name but found '1' at position 1"},
        ErrorCase{"StringOnLeft", "'a' = name", "expected a field name but found a quoted string at position 1"},
        ErrorCase{"DanglingOr", "name = 'a' or", "expected a field name but the expression ended"},
        ErrorCase{"UnclosedParenthesis", "(name = 'a'", "expected ')' but the expression ended"},
        ErrorCase{"ExtraClosingParenthesis", "name = 'a')",
                  "expected 'and', 'or' or the end of the expression but found ')' at position 11"},
        ErrorCase{"EmptyParentheses", "()", "expected a field name but found ')' at position 2"},
        ErrorCase{"TwoComparisonsWithoutConnective", "name = 'a' name = 'b'",
                  "expected 'and', 'or' or the end of the expression but found 'name' at position 12"},
        ErrorCase{"NumberGluedToWord", "priority = 1abc", "invalid number at position 12"},
        ErrorCase{"NumberWithExponent", "score = 1e5", "invalid number at position 9"},
        ErrorCase{"NumberWithTwoDots", "score = 1.2.3", "invalid number at position 9"},
        ErrorCase{"NumberEndingInDot", "score = 1.", "invalid number at position 9"},
        ErrorCase{"DottedField", "a.b = 'x'", "unexpected character '.' at position 2"},
        ErrorCase{"DoubleQuotedString", "name = \"x\"", "unexpected character '\"' at position 8"},
        ErrorCase{"LoneBang", "name ! 'x'", "unexpected character '!' at position 6"},
        ErrorCase{"NulInString", std::string("name = 'a\0b'", 12),
                  "invalid character in string starting at position 8"},
        ErrorCase{"InvalidUtf8InString", "name = '\xff'", "invalid character in string starting at position 8"},
        ErrorCase{"NonAsciiOutsideString", "name = \xc3\xa9", "unexpected character '?' at position 8"}),
    case_name);

// Classic injection shapes. Each must be refused outright, and the refusal must neither
// carry the payload nor produce SQL.
INSTANTIATE_TEST_SUITE_P(
    HostileInput, CompileErrorCase,
    testing::Values(
        ErrorCase{"QuoteBreakout", "x' OR 1=1--", "unterminated string starting at position 2"},
        ErrorCase{"StackedStatement", "name = 'a'; DROP TABLE projects", "unexpected character ';' at position 11"},
        ErrorCase{"TrailingComment", "name = 'a' --", "unexpected character '-' at position 12"},
        ErrorCase{"CommentHidesRest", "name = 'a' -- and x = 'b'", "unexpected character '-' at position 12"},
        ErrorCase{"BlockComment", "name = 'a' /* x */", "unexpected character '/' at position 12"},
        ErrorCase{"BareIdentifierOnRight", "name = x",
                  "expected a quoted string, a number, true or false but found 'x' at position 8"},
        ErrorCase{"Tautology", "1 = 1", "expected a field name but found '1' at position 1"},
        ErrorCase{"TautologyAfterValue", "name = 'a' or 1 = 1", "expected a field name but found '1' at position 15"},
        ErrorCase{"DanglingOr", "name = 'a' or", "expected a field name but the expression ended"},
        ErrorCase{"UnbalancedParenthesis", "(name = 'a'", "expected ')' but the expression ended"},
        ErrorCase{"SubqueryInList", "name in (select name from users)",
                  "expected a quoted string, a number, true or false but found 'select' at "
                  "position 10"},
        ErrorCase{"FunctionCallAsField", "lower(name) = 'x'",
                  "expected a comparison operator but found '(' at position 6"},
        ErrorCase{"UnionAfterValue", "name = 'a' union select 1",
                  "expected 'and', 'or' or the end of the expression but found 'union' at "
                  "position 12"}),
    case_name);

TEST(CompileErrors, HostileInputNeverReachesTheMessage) {
    const std::vector<std::string> hostile = {
        "name = 'a'; DROP TABLE projects",
        "name = 'a' -- DROP TABLE projects",
        "name = 'a' or DROP_TABLE_projects_and_everything_else = 'b'",
        "name = 'a' or 'DROP TABLE projects' = name",
        "name in ('a', DROP)",
    };
    for (const auto& expression : hostile) {
        const std::string message = error_of(expression);
        EXPECT_FALSE(message.empty()) << expression;
        EXPECT_EQ(message.find("DROP TABLE"), std::string::npos) << message;
        EXPECT_EQ(message.find("and_everything_else"), std::string::npos) << message;
    }
}

TEST(CompileErrors, LongFieldNameIsCutShortInTheMessage) {
    const std::string field(200, 'f');
    const std::string message = error_of(field + " = 'x'");
    EXPECT_EQ(message, "unknown field '" + std::string(32, 'f') + "...'");
}

TEST(CompileErrors, LongStringIsNeverEchoed) {
    const std::string message = error_of("name 'secret-secret-secret'");
    EXPECT_EQ(message.find("secret"), std::string::npos) << message;
}

TEST(CompileErrors, EveryMessageIsShort) {
    const std::string junk(3000, 'q');
    for (const auto& expression : {junk, "name = " + junk, "name = '" + junk, "(" + junk, junk + " = 'x'"}) {
        const std::string message = error_of(expression);
        EXPECT_FALSE(message.empty());
        EXPECT_LE(message.size(), 120u) << message;
    }
}

// --- limits ---------------------------------------------------------------------------

std::string repeat_joined(const std::string& item, const std::string& joiner, int count) {
    std::string out;
    for (int i = 0; i < count; ++i)
        out += (i ? joiner : "") + item;
    return out;
}

TEST(CompileLimits, ExpressionOf4096CharactersIsAccepted) {
    std::string expression = "name = '" + std::string(4096 - 9, 'v') + "'";
    ASSERT_EQ(expression.size(), 4096u);
    EXPECT_EQ(compile(expression, kColumns).sql, "name = ?");
}

TEST(CompileLimits, ExpressionLongerThan4096CharactersIsRefused) {
    std::string expression = "name = '" + std::string(4096 - 8, 'v') + "'";
    EXPECT_EQ(error_of(expression), "search expression longer than 4096 characters");
    EXPECT_EQ(error_of(std::string(5000, ' ')), "search expression longer than 4096 characters");
}

TEST(CompileLimits, ThirtyTwoNestedParenthesesAreAccepted) {
    const std::string expression = std::string(32, '(') + "name = 'x'" + std::string(32, ')');
    EXPECT_EQ(compile(expression, kColumns).sql, "name = ?");
}

TEST(CompileLimits, ThirtyThreeNestedParenthesesAreRefused) {
    const std::string expression = std::string(33, '(') + "name = 'x'" + std::string(33, ')');
    EXPECT_EQ(error_of(expression), "expression nested more than 32 levels deep");
}

TEST(CompileLimits, NotCountsAsNesting) {
    EXPECT_NO_THROW(compile(repeat_joined("not", " ", 32) + " name = 'x'", kColumns));
    EXPECT_EQ(error_of(repeat_joined("not", " ", 33) + " name = 'x'"), "expression nested more than 32 levels deep");
    EXPECT_EQ(error_of(repeat_joined("not (", "", 17) + "name = 'x'" + std::string(17, ')')),
              "expression nested more than 32 levels deep");
}

TEST(CompileLimits, DeepNestingFailsFastWithoutExhaustingTheStack) {
    // Far past the limit, and within the length limit: must be an error, not a crash.
    EXPECT_EQ(error_of(std::string(4000, '(')), "expression nested more than 32 levels deep");
    EXPECT_EQ(error_of(repeat_joined("not", " ", 1000)), "expression nested more than 32 levels deep");
}

TEST(CompileLimits, TwoHundredFiftySixComparisonsAreAccepted) {
    const auto fragment = compile(repeat_joined("x='a'", " or ", 256), kColumns);
    EXPECT_EQ(fragment.params.size(), 256u);
}

TEST(CompileLimits, MoreThanTwoHundredFiftySixComparisonsAreRefused) {
    EXPECT_EQ(error_of(repeat_joined("x='a'", " or ", 257)), "more than 256 comparisons");
}

TEST(CompileLimits, InListOfAThousandValuesIsAccepted) {
    const auto fragment = compile("priority in (" + repeat_joined("1", ",", 1000) + ")", kColumns);
    EXPECT_EQ(fragment.params.size(), 1000u);
}

TEST(CompileLimits, InListOfMoreThanAThousandValuesIsRefused) {
    EXPECT_EQ(error_of("priority in (" + repeat_joined("1", ",", 1001) + ")"), "more than 1000 values in a list");
}

}  // namespace
}  // namespace ambient::search
