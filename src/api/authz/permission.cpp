#include "api/authz/permission.hpp"

#include <array>

namespace ambient::api::authz {

bool permission_covers(std::string_view granted, std::string_view needed) {
    const auto g = granted.find(':');
    const auto n = needed.find(':');
    if (g == std::string_view::npos || n == std::string_view::npos) return false;
    const auto half_covers = [](std::string_view have, std::string_view want) { return have == "*" || have == want; };
    return half_covers(granted.substr(0, g), needed.substr(0, n)) &&
           half_covers(granted.substr(g + 1), needed.substr(n + 1));
}

bool is_service_only(std::string_view permission) {
    static constexpr std::array<std::string_view, 2> kServiceOnly = {"session:update_status", "session:runner_token"};
    for (auto p : kServiceOnly) {
        if (p == permission) return true;
    }
    return false;
}

}  // namespace ambient::api::authz
