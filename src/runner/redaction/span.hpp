#pragma once
#include <cstddef>
#include <vector>

namespace ambient::runner::redaction {

// A match: bytes [begin, end) of a text.
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool operator==(const Span&) const = default;
};

// Sorts `spans` and unites those that overlap, so that a secret overlapping another is
// replaced whole (spans that only touch stay apart).
void merge_overlapping(std::vector<Span>& spans);

}  // namespace ambient::runner::redaction
