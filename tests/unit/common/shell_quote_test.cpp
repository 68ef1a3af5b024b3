#include "common/shell_quote.hpp"

#include <gtest/gtest.h>

namespace ambient {
namespace {

TEST(ShellQuote, OneWordWhateverItHolds) {
    EXPECT_EQ(shell_quote("/a b/c"), "'/a b/c'");
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
    EXPECT_EQ(shell_quote("$HOME `x` \"y\""), "'$HOME `x` \"y\"'");
    EXPECT_EQ(shell_quote(""), "''");
}

}  // namespace
}  // namespace ambient
