#pragma once
// Small character-level helpers shared by the lexer, the compiler and the orderBy parser.
#include <string>
#include <string_view>

namespace ambient::search {

bool is_space(char c);
bool is_blank(std::string_view text);
bool is_identifier_start(char c);
bool is_identifier_char(char c);
bool is_digit(char c);

// ASCII case-insensitive comparison, for keywords.
bool iequals(std::string_view a, std::string_view b);

// True for `-?[0-9]+(\.[0-9]+)?`, the only number syntax the language has.
bool is_number_text(std::string_view text);

// A printable, bounded rendering of client input for error messages.
std::string excerpt(std::string_view text);

// Throws SearchError; one place so every failure carries the same prefix-free message.
[[noreturn]] void fail(std::string message);

}  // namespace ambient::search
