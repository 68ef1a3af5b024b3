#include "runner/agui/proxy_auth.hpp"

#include <cctype>
#include <optional>

#include <spdlog/spdlog.h>

#include "common/jwt/jwt.hpp"

namespace ambient::runner::agui {

namespace {

// Without a key set (the first fetch failed), a fetch is tried again sooner.
constexpr std::chrono::seconds kRetryWithoutKeys{1};

std::string_view bearer_token(std::string_view authorization) {
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() <= kScheme.size()) return {};
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return {};
    }
    auto token = authorization.substr(kScheme.size());
    while (!token.empty() && token.front() == ' ')
        token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ')
        token.remove_suffix(1);
    return token;
}

std::optional<std::int64_t> integer_claim(const nlohmann::json& claims, const char* name) {
    auto it = claims.find(name);
    if (it == claims.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<std::int64_t>();
}

}  // namespace

ProxyAuth::ProxyAuth(std::string session_id, FetchJwks fetch_jwks, SteadyNow steady_now)
    : session_id_(std::move(session_id)), fetch_jwks_(std::move(fetch_jwks)), steady_now_(std::move(steady_now)) {}

std::shared_ptr<const jwt::Jwks> ProxyAuth::keys(bool refresh) const {
    std::lock_guard lock(mutex_);
    if (keys_ && !refresh) return keys_;
    const auto now = steady_now_();
    const auto gap = keys_ ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(kRefetchInterval)
                           : std::chrono::duration_cast<std::chrono::steady_clock::duration>(kRetryWithoutKeys);
    if (fetched_ && now - last_fetch_ < gap) return refresh ? nullptr : keys_;
    fetched_ = true;
    last_fetch_ = now;
    try {
        keys_ = std::make_shared<const jwt::Jwks>(jwt::Jwks::parse(fetch_jwks_()));
    } catch (const std::exception& e) {
        spdlog::warn("cannot fetch the API server's runner JWKS: {}", e.what());
        return refresh ? nullptr : keys_;
    }
    return keys_;
}

void ProxyAuth::verify(std::string_view authorization, std::chrono::system_clock::time_point now) const {
    const auto token = bearer_token(authorization);
    if (token.empty()) throw ProxyAuthError("a bearer token from the API server is required");
    jwt::VerifyOptions options;
    options.now = now;
    options.leeway = kLeeway;
    options.issuer = kIssuer;
    options.audience = kAudience;
    auto current = keys(false);
    if (!current) throw ProxyAuthError("the API server's keys are not available");
    jwt::VerifiedToken verified;
    try {
        try {
            verified = jwt::verify(token, *current, options);
        } catch (const jwt::UnknownKeyError&) {
            // The API server may have a key made after our fetch (another replica's, a rotation).
            auto refreshed = keys(true);
            if (!refreshed) throw;
            verified = jwt::verify(token, *refreshed, options);
        }
    } catch (const jwt::JwtError& e) {
        throw ProxyAuthError(e.what());
    }
    const auto& claims = verified.claims;
    auto session = claims.find("session_id");
    if (session == claims.end() || !session->is_string() || session->get<std::string>() != session_id_) {
        throw ProxyAuthError("token is not for this session");
    }
    const auto iat = integer_claim(claims, "iat");
    const auto exp = integer_claim(claims, "exp");
    if (!iat || !exp) throw ProxyAuthError("token has no iat or exp");
    if (*exp - *iat > kMaxLifetime.count()) throw ProxyAuthError("token lives longer than 60 s");
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (*iat > now_s + kLeeway.count()) throw ProxyAuthError("token is issued in the future");
}

}  // namespace ambient::runner::agui
