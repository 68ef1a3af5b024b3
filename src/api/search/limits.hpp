#pragma once
// Bounds on what a client may ask the search compiler to do. They keep parsing cost,
// recursion depth and statement size small no matter what arrives in a query string.
#include <cstddef>

namespace ambient::search {

inline constexpr std::size_t kMaxExpressionLength = 4096;
inline constexpr int kMaxNestingDepth = 32;
inline constexpr int kMaxComparisons = 256;
inline constexpr std::size_t kMaxInListLength = 1000;

// Error messages quote at most this many characters of client input.
inline constexpr std::size_t kMaxExcerptLength = 32;

}  // namespace ambient::search
