#include "cli/jwt_claims.hpp"

#include <algorithm>
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
    // The token is the issuer's to write: an exp of 1e300 (or a year past 2262) is clamped to
    // what the clock can hold, where converting it as it is would be undefined behaviour.
    // Found by tests/fuzz/jwt_fuzz.cpp.
    using Clock = std::chrono::system_clock;
    constexpr auto kLimit = std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max()).count();
    const double seconds = std::clamp(exp->get<double>(), -static_cast<double>(kLimit), static_cast<double>(kLimit));
    return Clock::time_point(std::chrono::seconds(static_cast<std::int64_t>(seconds)));
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
