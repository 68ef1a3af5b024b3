#include "api/authz/permission.hpp"

namespace ambient::api::authz {

bool permission_covers(std::string_view granted, std::string_view needed) {
    const auto g = granted.find(':');
    const auto n = needed.find(':');
    if (g == std::string_view::npos || n == std::string_view::npos) return false;
    const auto half_covers = [](std::string_view have, std::string_view want) { return have == "*" || have == want; };
    return half_covers(granted.substr(0, g), needed.substr(0, n)) &&
           half_covers(granted.substr(g + 1), needed.substr(n + 1));
}

}  // namespace ambient::api::authz
