#include "api/store/postgres/placeholders.hpp"

#include <gtest/gtest.h>

namespace ambient::store::postgres {
namespace {

TEST(NumberPlaceholders, NumbersEachQuestionMarkInOrder) {
    auto out = number_placeholders("SELECT * FROM t WHERE a = ? AND b IN (?, ?)");
    EXPECT_EQ(out.sql, "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)");
    EXPECT_EQ(out.placeholders, 3u);
}

TEST(NumberPlaceholders, LeavesQuotedTextAndCommentsAlone) {
    EXPECT_EQ(number_placeholders("SELECT '?', 'a''?', ?").sql, "SELECT '?', 'a''?', $1");
    EXPECT_EQ(number_placeholders("SELECT \"?\", \"a\"\"?\" FROM t WHERE x = ?").sql,
              "SELECT \"?\", \"a\"\"?\" FROM t WHERE x = $1");
    EXPECT_EQ(number_placeholders("SELECT E'\\'?', ?").sql, "SELECT E'\\'?', $1");
    EXPECT_EQ(number_placeholders("SELECT 1 -- why?\n, ?").sql, "SELECT 1 -- why?\n, $1");
    EXPECT_EQ(number_placeholders("SELECT /* a /* nested? */ b? */ ?").sql, "SELECT /* a /* nested? */ b? */ $1");
    EXPECT_EQ(number_placeholders("SELECT $$?$$, $tag$ ? $tag$, ?").sql, "SELECT $$?$$, $tag$ ? $tag$, $1");
}

TEST(NumberPlaceholders, ToleratesUnterminatedQuotes) {
    EXPECT_EQ(number_placeholders("SELECT '?").sql, "SELECT '?");
    EXPECT_EQ(number_placeholders("SELECT \"?").sql, "SELECT \"?");
    EXPECT_EQ(number_placeholders("SELECT /* ?").sql, "SELECT /* ?");
    EXPECT_EQ(number_placeholders("").placeholders, 0u);
}

TEST(NumberPlaceholders, BackslashIsOrdinaryInStandardStrings) {
    // standard_conforming_strings: 'a\' is a complete literal.
    EXPECT_EQ(number_placeholders("SELECT 'a\\', ?").sql, "SELECT 'a\\', $1");
}

}  // namespace
}  // namespace ambient::store::postgres
