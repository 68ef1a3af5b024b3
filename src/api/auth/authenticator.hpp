#pragma once
// Who is calling: a static service token, a runner token this server signed (when
// RunnerTokens are set), or an OIDC JWT verified against the configured key set. The token
// comes from `Authorization: Bearer …`, or — only when the deployment says an OAuth proxy
// in front sets it (OidcOptions::trust_forwarded_access_token) and Authorization is absent
// — from X-Forwarded-Access-Token, which then must be a user's JWT, verified the same way.
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

class RunnerTokens;

struct OidcOptions {
    std::string issuer;    // checked when set
    std::string audience;  // checked when set
    std::chrono::seconds leeway{60};
    // Read X-Forwarded-Access-Token (user JWTs only). Off: the header is ignored, since
    // without a proxy that sets it any client could choose it.
    bool trust_forwarded_access_token = false;
};

class Authenticator {
public:
    // `jwks` may be null: then only service tokens are accepted.
    Authenticator(ServiceTokens tokens, std::unique_ptr<JwksProvider> jwks, OidcOptions oidc);

    // The caller, or an ApiError 401 whose reason names the problem without the token.
    Principal authenticate(const http::Request& req);
    bool accepts_user_tokens() const { return jwks_ != nullptr; }

    // Accept runner tokens (runner_tokens.hpp): a JWT whose header kid is a runner key or
    // whose aud is the runner audience is verified by `runner_tokens`, and then its session
    // must be live (read from the database on every request, so a stop or delete revokes it
    // at once). nullptr (the default): runner tokens are refused like any unknown token.
    // `runner_tokens` is owned by the caller and outlives this object. Call before serving.
    void set_runner_tokens(RunnerTokens* runner_tokens) { runner_tokens_ = runner_tokens; }

private:
    // `key`: the token's digest, its key in the cache.
    Principal verify_user_token(const std::string& token, const std::string& key);
    std::optional<Principal> cached_user(const std::string& key);
    Principal verify_runner_token(const std::string& token);

    ServiceTokens tokens_;
    RunnerTokens* runner_tokens_ = nullptr;
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
