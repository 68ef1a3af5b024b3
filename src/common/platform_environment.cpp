#include "common/platform_environment.hpp"

#include <array>

namespace ambient {

bool is_platform_environment_variable(std::string_view name) {
    constexpr std::array<std::string_view, 5> kNames = {"SESSION_ID", "PROJECT_NAME", "BACKEND_API_URL",
                                                        "CREDENTIAL_IDS", "WORKSPACE_PATH"};
    constexpr std::array<std::string_view, 2> kPrefixes = {"BOT_TOKEN", "AGUI_"};
    for (auto reserved : kNames) {
        if (name == reserved) return true;
    }
    for (auto prefix : kPrefixes) {
        if (name.starts_with(prefix)) return true;
    }
    return false;
}

}  // namespace ambient
