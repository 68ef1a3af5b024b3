#pragma once
// Who may call the runner's AG-UI server: only the API server. Every request but /health
// carries `Authorization: Bearer <JWT>` that the API server signed with its runner key for
// this session and this request:
//
//   claims  iss "ambient-api-server", aud "ambient-runner-proxy", session_id = this runner's,
//           iat, exp at most 60 s after iat
//
// verified against the API server's public runner JWKS ({BACKEND_API_URL}/api/ambient/v1/
// runner_tokens/jwks), fetched on first use and kept; a token naming a key id the set doesn't
// hold refetches it, at most once per kRefetchInterval, so forged kids can't make the runner
// hammer the API server. A runner token (aud "ambient-runner") is not a proxy token.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/jwt/jwks.hpp"

namespace ambient::runner::agui {

// The request is not the API server's. what() says why, never containing the token.
class ProxyAuthError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ProxyAuth {
public:
    static constexpr const char* kIssuer = "ambient-api-server";
    static constexpr const char* kAudience = "ambient-runner-proxy";
    static constexpr std::chrono::seconds kMaxLifetime{60};
    // Clock skew tolerated between the API server and the runner.
    static constexpr std::chrono::seconds kLeeway{10};
    static constexpr std::chrono::seconds kRefetchInterval{10};

    // Returns the JWKS document; throws (any std::exception) when it cannot.
    using FetchJwks = std::function<std::string()>;
    using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

    ProxyAuth(std::string session_id, FetchJwks fetch_jwks, SteadyNow steady_now = std::chrono::steady_clock::now);

    // Checks an Authorization header value ("Bearer <JWT>"); throws ProxyAuthError. Thread-safe;
    // may block on a JWKS fetch.
    void verify(std::string_view authorization,
                std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

private:
    // The key set, fetched when none is held yet, or refetched when `refresh` and the last
    // fetch is older than kRefetchInterval; null when there is none.
    std::shared_ptr<const jwt::Jwks> keys(bool refresh) const;

    std::string session_id_;
    FetchJwks fetch_jwks_;
    SteadyNow steady_now_;
    mutable std::mutex mutex_;
    mutable std::shared_ptr<const jwt::Jwks> keys_;
    mutable std::chrono::steady_clock::time_point last_fetch_{};
    mutable bool fetched_ = false;
};

}  // namespace ambient::runner::agui
