#include "cli/jwt_claims.hpp"

#include <ctime>

#include "common/jwt/base64url.hpp"

namespace ambient::cli {

std::optional<nlohmann::json> unverified_claims(std::string_view token) {
    const auto first_dot = token.find('.');
    if (first_dot == std::string_view::npos) return std::nullopt;
    const auto second_dot = token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos)
        return std::nullopt;
    const auto payload = jwt::base64url_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
    if (!payload) return std::nullopt;
    auto claims = nlohmann::json::parse(*payload, nullptr, false);
    if (!claims.is_object()) return std::nullopt;
    return claims;
}

std::optional<std::chrono::system_clock::time_point> token_expiry(std::string_view token) {
    const auto claims = unverified_claims(token);
    if (!claims) return std::nullopt;
    const auto exp = claims->find("exp");
    if (exp == claims->end() || !exp->is_number()) return std::nullopt;
    return std::chrono::system_clock::time_point(std::chrono::seconds(exp->get<std::int64_t>()));
}

std::string rfc3339_seconds(std::chrono::system_clock::time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buffer;
}

}  // namespace ambient::cli
