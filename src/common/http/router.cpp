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
    for (auto segment : split_segments(route.pattern)) {
        if (is_param(segment)) {
            pattern.push_back({std::string(segment.substr(1, segment.size() - 2)), true});
        } else {
            pattern.push_back({std::string(segment), false});
        }
    }
    patterns_.push_back(std::move(pattern));
    routes_.push_back(std::move(route));
}

std::variant<Router::Match, Router::Miss> Router::match(std::string_view method, std::string_view path) const {
    const auto segments = split_segments(path);
    const Pattern* best_pattern = nullptr;
    const Route* best = nullptr;
    bool path_matched = false;

    for (std::size_t i = 0; i < routes_.size(); ++i) {
        const auto& pattern = patterns_[i];
        if (pattern.size() != segments.size()) continue;
        bool ok = true;
        for (std::size_t s = 0; s < segments.size() && ok; ++s) {
            ok = pattern[s].is_param ? !segments[s].empty() : pattern[s].text == segments[s];
        }
        if (!ok) continue;
        path_matched = true;
        if (routes_[i].method != method) continue;
        // The more specific pattern wins: the first position where the two differ in kind
        // decides, a literal beating a parameter. Equal patterns keep the first added.
        if (best_pattern != nullptr) {
            bool more_specific = false;
            for (std::size_t s = 0; s < pattern.size(); ++s) {
                if (pattern[s].is_param != (*best_pattern)[s].is_param) {
                    more_specific = !pattern[s].is_param;
                    break;
                }
            }
            if (!more_specific) continue;
        }
        best_pattern = &pattern;
        best = &routes_[i];
    }

    if (best == nullptr) return path_matched ? Miss::MethodNotAllowed : Miss::NotFound;
    Match match;
    match.route = best;
    for (std::size_t s = 0; s < segments.size(); ++s) {
        if ((*best_pattern)[s].is_param) {
            match.params.emplace((*best_pattern)[s].text, std::string(segments[s]));
        }
    }
    return match;
}

}  // namespace ambient::http
