#include "api/resources/environment_variables.hpp"

#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/api_error.hpp"
#include "common/platform_environment.hpp"

namespace ambient::api {
namespace {

// A name is echoed in the reason; a long one is cut so the error stays small.
std::string quote_name(std::string_view name) {
    constexpr std::size_t kMax = 64;
    return "\"" + std::string(name.substr(0, kMax)) + (name.size() > kMax ? "…" : "") + "\"";
}

}  // namespace

void validate_environment_variables(const model::Row& row) {
    const auto it = row.find("environment_variables");
    if (it == row.end()) return;
    const auto* text = std::get_if<std::string>(&it->second);
    if (text == nullptr || text->empty()) return;  // null or empty: no variables
    nlohmann::json parsed;
    try {
        parsed = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::parse_error&) {
        throw ApiError::validation("environment_variables must be a JSON object of strings");
    }
    if (!parsed.is_object()) throw ApiError::validation("environment_variables must be a JSON object of strings");
    for (const auto& [name, value] : parsed.items()) {
        // Neither can be in an environment: execve's entries are NUL-terminated NAME=VALUE.
        if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
            throw ApiError::validation("environment_variables: " + quote_name(name) +
                                       " is not a variable name (empty, or with '=' or NUL)");
        }
        if (!value.is_string()) {
            throw ApiError::validation("environment_variables: the value of " + quote_name(name) + " must be a string");
        }
        if (value.get_ref<const std::string&>().find('\0') != std::string::npos) {
            throw ApiError::validation("environment_variables: the value of " + quote_name(name) + " holds a NUL");
        }
        if (is_platform_environment_variable(name)) {
            throw ApiError::validation("environment_variables: " + quote_name(name) +
                                       " is set by the platform and cannot be given");
        }
    }
}

}  // namespace ambient::api
