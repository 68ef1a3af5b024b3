// tokenize(): token boundaries, literal decoding and positions.
#include "api/search/lexer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/search/search.hpp"

namespace ambient::search {
namespace {

struct Expected {
    TokenKind kind;
    std::string text;
    std::size_t position;
};

void expect_tokens(const std::string& input, const std::vector<Expected>& expected) {
    const auto tokens = tokenize(input);
    ASSERT_EQ(tokens.size(), expected.size()) << input;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        SCOPED_TRACE(input + " token " + std::to_string(i));
        EXPECT_EQ(tokens[i].kind, expected[i].kind);
        EXPECT_EQ(tokens[i].text, expected[i].text);
        EXPECT_EQ(tokens[i].position, expected[i].position);
    }
}

TEST(Lexer, SplitsAComparison) {
    expect_tokens("name='x'", {{TokenKind::Word, "name", 1},
                               {TokenKind::Operator, "=", 5},
                               {TokenKind::String, "x", 6},
                               {TokenKind::End, "", 9}});
}

TEST(Lexer, PrefersTwoCharacterOperators) {
    expect_tokens("<= >= <> != ~= ~! < > =", {{TokenKind::Operator, "<=", 1},
                                              {TokenKind::Operator, ">=", 4},
                                              {TokenKind::Operator, "<>", 7},
                                              {TokenKind::Operator, "!=", 10},
                                              {TokenKind::Operator, "~=", 13},
                                              {TokenKind::Operator, "~!", 16},
                                              {TokenKind::Operator, "<", 19},
                                              {TokenKind::Operator, ">", 21},
                                              {TokenKind::Operator, "=", 23},
                                              {TokenKind::End, "", 24}});
}

TEST(Lexer, DecodesDoubledQuotes) {
    expect_tokens("'it''s' ''''",
                  {{TokenKind::String, "it's", 1}, {TokenKind::String, "'", 9}, {TokenKind::End, "", 13}});
}

TEST(Lexer, ReadsNumbersWithSignAndFraction) {
    expect_tokens("(-1, 2.50,0)", {{TokenKind::LeftParen, "(", 1},
                                   {TokenKind::Number, "-1", 2},
                                   {TokenKind::Comma, ",", 4},
                                   {TokenKind::Number, "2.50", 6},
                                   {TokenKind::Comma, ",", 10},
                                   {TokenKind::Number, "0", 11},
                                   {TokenKind::RightParen, ")", 12},
                                   {TokenKind::End, "", 13}});
}

TEST(Lexer, KeepsKeywordsAsWords) {
    expect_tokens("NOT like_x",
                  {{TokenKind::Word, "NOT", 1}, {TokenKind::Word, "like_x", 5}, {TokenKind::End, "", 11}});
}

TEST(Lexer, RefusesWhatTheLanguageDoesNotUse) {
    for (const char* input : {"'open", "a'", "--",  "- 1",  "-",   ";",   "a.b", "\"x\"", "~",  "!",
                              "1.",    ".5", "1e3", "0x10", "`a`", "[a]", "{",   "\\",    "@p", "$1"}) {
        EXPECT_THROW(tokenize(input), SearchError) << input;
    }
}

}  // namespace
}  // namespace ambient::search
