#include "common/http/log_excerpt.hpp"

#include "common/http/url.hpp"

namespace ambient::http {

std::string log_excerpt(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return std::string(text);
    std::string out(text.substr(0, limit));
    out += "...(" + std::to_string(text.size()) + " bytes)";
    return out;
}

std::string loggable_path(std::string_view target) {
    return log_excerpt(raw_path(target), kLoggedPathBytes);
}

}  // namespace ambient::http
