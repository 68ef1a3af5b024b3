#include "runner/redaction/needle_set.hpp"

#include <algorithm>
#include <utility>

namespace ambient::runner::redaction {

NeedleSet::NeedleSet(const std::vector<std::string>& needles) {
    // The trie, with each node's edges in a vector while it grows.
    struct BuildNode {
        std::vector<std::pair<unsigned char, std::uint32_t>> edges;
        std::uint32_t depth = 0;
        bool terminal = false;
    };
    std::vector<BuildNode> trie(1);
    for (const auto& needle : needles) {
        if (needle.empty()) continue;
        longest_ = std::max(longest_, needle.size());
        std::uint32_t at = 0;
        for (unsigned char c : needle) {
            auto& edges = trie[at].edges;
            auto it = std::find_if(edges.begin(), edges.end(), [c](const auto& e) { return e.first == c; });
            if (it != edges.end()) {
                at = it->second;
                continue;
            }
            const auto next = static_cast<std::uint32_t>(trie.size());
            const auto depth = trie[at].depth + 1;
            trie[at].edges.emplace_back(c, next);
            trie.push_back({});
            trie.back().depth = depth;
            at = next;
        }
        trie[at].terminal = true;
    }

    nodes_.resize(trie.size());
    for (std::size_t i = 0; i < trie.size(); ++i) {
        auto& edges = trie[i].edges;
        std::sort(edges.begin(), edges.end());
        nodes_[i].first_edge = static_cast<std::uint32_t>(edges_.size());
        nodes_[i].edge_count = static_cast<std::uint32_t>(edges.size());
        for (const auto& [byte, to] : edges)
            edges_.push_back({byte, to});
    }
    for (const auto& [byte, to] : trie[0].edges)
        root_[byte] = to;

    // Failure links breadth first: a node's fail is computed from its parent's, which is shallower.
    std::vector<std::uint32_t> queue;
    queue.reserve(trie.size());
    for (const auto& [byte, to] : trie[0].edges)
        queue.push_back(to);
    for (std::size_t head = 0; head < queue.size(); ++head) {
        const auto parent = queue[head];
        for (const auto& [byte, to] : trie[parent].edges) {
            nodes_[to].fail = trie[parent].depth == 0 ? 0 : step(nodes_[parent].fail, byte);
            queue.push_back(to);
        }
    }
    for (const auto n : queue) {
        const auto fail = nodes_[n].fail;
        nodes_[n].match = trie[n].terminal ? trie[n].depth : nodes_[fail].match;
        nodes_[n].open = !trie[n].edges.empty() ? trie[n].depth : nodes_[fail].open;
    }
}

std::uint32_t NeedleSet::child(std::uint32_t node, unsigned char byte) const {
    const auto& n = nodes_[node];
    const Edge* first = edges_.data() + n.first_edge;
    const Edge* last = first + n.edge_count;
    if (n.edge_count <= 8) {
        for (const Edge* e = first; e != last; ++e)
            if (e->byte == byte) return e->to;
        return 0;
    }
    const Edge* e = std::lower_bound(first, last, byte, [](const Edge& a, unsigned char b) { return a.byte < b; });
    return e != last && e->byte == byte ? e->to : 0;
}

std::uint32_t NeedleSet::step(std::uint32_t node, unsigned char byte) const {
    while (node != 0) {
        if (const auto next = child(node, byte)) return next;
        node = nodes_[node].fail;
    }
    return root_[byte];
}

std::size_t NeedleSet::scan(std::string_view text, std::vector<Span>& out) const {
    if (empty()) return 0;
    std::uint32_t state = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        state = step(state, static_cast<unsigned char>(text[i]));
        if (const auto length = nodes_[state].match) out.push_back({i + 1 - length, i + 1});
    }
    return nodes_[state].open;
}

}  // namespace ambient::runner::redaction
