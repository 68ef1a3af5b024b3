#pragma once
// Who is calling: a static service token, or an OIDC JWT verified against the configured
// key set. The token comes from `Authorization: Bearer …`, or from X-Forwarded-Access-Token
// when Authorization is absent (an OAuth proxy in front) — verified the same way.
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "api/auth/jwks_provider.hpp"
#include "api/auth/principal.hpp"
#include "api/auth/service_tokens.hpp"
#include "common/http/message.hpp"

namespace ambient::api {


struct OidcOptions {
    std::string issuer;    // checked when set
    std::string audience;  // checked when set
    std::chrono::seconds leeway{60};
};

class Authenticator {
public:
    // `jwks` may be null: then only service tokens are accepted.
    Authenticator(ServiceTokens tokens, std::unique_ptr<JwksProvider> jwks, OidcOptions oidc);

    // The caller, or an ApiError 401 whose reason names the problem without the token.
    Principal authenticate(const http::Request& req);
    bool accepts_user_tokens() const { return jwks_ != nullptr; }

private:
    Principal verify_user_token(const std::string& token);

    ServiceTokens tokens_;
    std::unique_ptr<JwksProvider> jwks_;
    OidcOptions oidc_;

    // Verified user tokens by SHA-256 digest until their expiry, so a busy client doesn't
    // pay a signature check per request. Bounded; the oldest entry goes first.
    struct CacheEntry {
        Principal principal;
        std::chrono::system_clock::time_point expires;
        std::list<std::string>::iterator order;
    };
    std::mutex cache_mutex_;
    std::unordered_map<std::string, CacheEntry> cache_;
    std::list<std::string> cache_order_;
    static constexpr std::size_t kCacheCapacity = 10000;
};

}  // namespace ambient::api
