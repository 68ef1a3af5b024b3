#pragma once
// A set of byte strings found in one pass over a text (Aho-Corasick): the cost of a scan is
// one table step per byte, however many strings the set holds. Immutable once built, so any
// number of threads may scan with it.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runner/redaction/span.hpp"

namespace ambient::runner::redaction {

class NeedleSet {
public:
    NeedleSet() = default;
    // Empty strings are ignored.
    explicit NeedleSet(const std::vector<std::string>& needles);

    // Appends, for each position where needles end, the span of the longest one ending there.
    // Returns how many bytes at the end of `text` are the start of a needle that more text
    // could complete or extend (0 when none).
    std::size_t scan(std::string_view text, std::vector<Span>& out) const;

    bool empty() const { return nodes_.size() <= 1; }
    std::size_t longest() const { return longest_; }

private:
    struct Edge {
        unsigned char byte;
        std::uint32_t to;
    };
    struct Node {
        std::uint32_t first_edge = 0;  // its edges are edges_[first_edge, first_edge + edge_count)
        std::uint32_t edge_count = 0;
        std::uint32_t fail = 0;   // the node of the longest proper suffix that is in the trie
        std::uint32_t match = 0;  // length of the longest needle that is a suffix of this node
        std::uint32_t open = 0;   // length of the longest suffix of this node that has children
    };

    std::uint32_t child(std::uint32_t node, unsigned char byte) const;
    std::uint32_t step(std::uint32_t node, unsigned char byte) const;

    std::array<std::uint32_t, 256> root_{};  // the root's edges, by byte (0: none)
    std::vector<Node> nodes_;
    std::vector<Edge> edges_;
    std::size_t longest_ = 0;
};

}  // namespace ambient::runner::redaction
