#include "common/http/router.hpp"

namespace ambient::http {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" yields nothing. Empty segments ("/a//b") are kept so
// that they never silently match a shorter pattern.
std::vector<std::string_view> split_segments(std::string_view path) {
    std::vector<std::string_view> out;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (path.empty()) return out;
    for (;;) {
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

bool is_param(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(Route route) {
    Pattern pattern;
    Node* node = &root_;
    for (auto segment : split_segments(route.pattern)) {
        auto& next = is_param(segment) ? node->param : node->literals[std::string(segment)];
        if (!next) next = std::make_unique<Node>();
        node = next.get();
        if (is_param(segment)) {
            pattern.push_back({std::string(segment.substr(1, segment.size() - 2)), true});
        } else {
            pattern.push_back({std::string(segment), false});
        }
    }
    node->routes.push_back(routes_.size());
    patterns_.push_back(std::move(pattern));
    routes_.push_back(std::move(route));
}

const Route* Router::find(const Node& node, const std::vector<std::string_view>& segments, std::size_t depth,
                          std::string_view method, bool& path_matched, std::size_t& index) const {
    if (depth == segments.size()) {
        if (!node.routes.empty()) path_matched = true;
        for (const auto i : node.routes) {
            if (routes_[i].method == method) {
                index = i;
                return &routes_[i];
            }
        }
        return nullptr;
    }
    const auto segment = segments[depth];
    if (const auto literal = node.literals.find(segment); literal != node.literals.end()) {
        if (const auto* route = find(*literal->second, segments, depth + 1, method, path_matched, index)) return route;
    }
    if (node.param && !segment.empty()) return find(*node.param, segments, depth + 1, method, path_matched, index);
    return nullptr;
}

std::variant<Router::Match, Router::Miss> Router::match(std::string_view method, std::string_view path) const {
    const auto segments = split_segments(path);
    bool path_matched = false;
    std::size_t index = 0;
    const Route* best = find(root_, segments, 0, method, path_matched, index);
    if (best == nullptr) return path_matched ? Miss::MethodNotAllowed : Miss::NotFound;
    Match match;
    match.route = best;
    const auto& pattern = patterns_[index];
    for (std::size_t s = 0; s < segments.size(); ++s) {
        if (pattern[s].is_param) match.params.emplace(pattern[s].text, std::string(segments[s]));
    }
    return match;
}

}  // namespace ambient::http
