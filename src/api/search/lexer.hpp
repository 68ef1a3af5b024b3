#pragma once
// Splits a search expression into tokens. Keywords (and, or, not, like, in, between, is,
// null, true, false) are left as words; the parser decides what they mean by position.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ambient::search {

enum class TokenKind { Word, String, Number, Operator, LeftParen, RightParen, Comma, End };

struct Token {
    TokenKind kind = TokenKind::End;
    // Word: the identifier; String: the unescaped contents; Number: the literal as written;
    // Operator: one of = != <> < <= > >= ~= ~!.
    std::string text;
    // 1-based offset of the token's first character, for error messages.
    std::size_t position = 0;
};

// The tokens of `input`, always ending with one End token. Throws SearchError on an
// unterminated string, a malformed number or any character the language does not use.
std::vector<Token> tokenize(std::string_view input);

}  // namespace ambient::search
