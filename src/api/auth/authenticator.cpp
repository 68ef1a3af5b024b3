#include "api/auth/authenticator.hpp"

#include "api/auth/runner_tokens.hpp"
#include "common/api_error.hpp"
#include "common/crypto/sha256.hpp"
#include "common/jwt/jwt.hpp"
#include "common/may_block.hpp"

namespace ambient::api {
namespace {

struct PresentedToken {
    std::string value;
    bool forwarded = false;  // from X-Forwarded-Access-Token: a user's JWT or nothing
};

std::optional<PresentedToken> presented_token(const http::Request& req, bool trust_forwarded) {
    if (auto header = req.header("Authorization")) {
        constexpr std::string_view kScheme = "bearer ";
        if (header->size() <= kScheme.size()) return PresentedToken{};
        for (std::size_t i = 0; i < kScheme.size(); ++i) {
            if (std::tolower(static_cast<unsigned char>((*header)[i])) != kScheme[i]) return PresentedToken{};
        }
        return PresentedToken{std::string(header->substr(kScheme.size()))};
    }
    if (!trust_forwarded) return std::nullopt;
    if (auto forwarded = req.header("X-Forwarded-Access-Token")) return PresentedToken{std::string(*forwarded), true};
    return std::nullopt;
}

std::string digest(const std::string& token) {
    const auto d = crypto::sha256(token);
    return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string claim(const nlohmann::json& claims, const char* name) {
    auto it = claims.find(name);
    return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool looks_like_jwt(const std::string& token) {
    return std::count(token.begin(), token.end(), '.') == 2;
}

}  // namespace

Authenticator::Authenticator(ServiceTokens tokens, std::unique_ptr<JwksProvider> jwks, OidcOptions oidc)
    : tokens_(std::move(tokens)), jwks_(std::move(jwks)), oidc_(std::move(oidc)) {}

Principal Authenticator::authenticate(const http::Request& req) {
    const auto presented = presented_token(req, oidc_.trust_forwarded_access_token);
    if (!presented) throw ApiError::unauthenticated("Authentication required: send 'Authorization: Bearer <token>'");
    const auto& token = presented->value;
    if (token.empty()) throw ApiError::unauthenticated("Authorization header is not a bearer token");
    // What a proxy forwards is its user's token: never a service or runner token, which a
    // client could otherwise slip past a proxy that only vets Authorization.
    if (!presented->forwarded && tokens_.matches(token)) {
        return Principal{.kind = Principal::Kind::Service, .username = "ambient-service"};
    }
    if (!looks_like_jwt(token)) throw ApiError::unauthenticated("Invalid token");
    // A user token seen before is answered from the cache (runner tokens never enter it).
    const auto key = digest(token);
    if (auto cached = cached_user(key)) return *cached;
    if (runner_tokens_ != nullptr && runner_tokens_->is_runner_token(token)) {
        if (presented->forwarded)
            throw ApiError::unauthenticated("Invalid token: X-Forwarded-Access-Token carries only user tokens");
        return verify_runner_token(token);
    }
    if (jwks_ == nullptr) throw ApiError::unauthenticated("Invalid token");
    return verify_user_token(token, key);
}

std::optional<Principal> Authenticator::cached_user(const std::string& key) {
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it == cache_.end()) return std::nullopt;
    if (std::chrono::system_clock::now() <= it->second.expires) return it->second.principal;
    cache_order_.erase(it->second.order);
    cache_.erase(it);
    return std::nullopt;
}

// Never cached: the session's phase is read on every request.
Principal Authenticator::verify_runner_token(const std::string& token) {
    Principal p;
    try {
        p = runner_tokens_->verify(token);
    } catch (const jwt::JwtError& e) {
        throw ApiError::unauthenticated(std::string("Invalid token: ") + e.what());
    }
    if (!runner_tokens_->session_live(p.session_id, p.project_id, p.run_id)) {
        throw ApiError::unauthenticated("Invalid token: runner token of a session that is not running");
    }
    return p;
}

Principal Authenticator::verify_user_token(const std::string& token, const std::string& key) {
    const auto now = std::chrono::system_clock::now();
    jwt::VerifyOptions options;
    options.now = now;
    options.leeway = oidc_.leeway;
    options.issuer = oidc_.issuer;
    options.audience = oidc_.audience;
    jwt::VerifiedToken verified;
    try {
        try {
            verified = jwt::verify(token, *jwks_->keys(), options);
        } catch (const jwt::UnknownKeyError&) {
            ensure_may_block();  // the refetch goes to the issuer
            if (!jwks_->refresh()) throw;
            verified = jwt::verify(token, *jwks_->keys(), options);
        }
    } catch (const jwt::JwtError& e) {
        throw ApiError::unauthenticated(std::string("Invalid token: ") + e.what());
    }
    Principal p{Principal::Kind::User, jwt::username_of(verified.claims), claim(verified.claims, "name"),
                claim(verified.claims, "email")};
    if (p.username.empty()) throw ApiError::unauthenticated("Invalid token: no username, preferred_username or sub");
    if (p.name.empty()) {
        p.name = (claim(verified.claims, "given_name") + " " + claim(verified.claims, "family_name"));
        if (p.name == " ") p.name = p.username;
    }
    const auto exp = std::chrono::system_clock::time_point{
        std::chrono::seconds{verified.claims["exp"].get<std::int64_t>()} + oidc_.leeway};
    p.expires_at = exp;
    std::lock_guard lock(cache_mutex_);
    if (cache_.contains(key)) return p;
    if (cache_.size() >= kCacheCapacity) {
        cache_.erase(cache_order_.front());
        cache_order_.pop_front();
    }
    cache_order_.push_back(key);
    cache_.emplace(key, CacheEntry{p, exp, std::prev(cache_order_.end())});
    return p;
}

}  // namespace ambient::api
