#pragma once
// Test keys standing in for the API server's runner key: they sign proxy tokens the way
// RunnerTokens::issue_proxy_token does, and publish their JWKS.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "common/jwt/jwt.hpp"

namespace ambient::runner::testing {

struct ProxyTokenKeys {
    explicit ProxyTokenKeys(std::string kid_) : kid(std::move(kid_)), key(jwt::generate_key(jwt::Algorithm::ES256)) {}

    std::string kid;
    jwt::PkeyPtr key;

    nlohmann::json jwk() const { return jwt::public_jwk(key.get(), jwt::Algorithm::ES256, kid); }

    // The claims the API server puts in a proxy token for `session`, issued now.
    static nlohmann::json claims(const std::string& session) {
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        return {{"iss", "ambient-api-server"},
                {"aud", "ambient-runner-proxy"},
                {"sub", "ambient-api-server"},
                {"session_id", session},
                {"project_id", "proj"},
                {"iat", now},
                {"exp", now + 60}};
    }
    std::string sign(const nlohmann::json& claims) const {
        return jwt::sign(claims, key.get(), jwt::Algorithm::ES256, kid);
    }
};

inline std::string jwks_of(std::initializer_list<const ProxyTokenKeys*> keys) {
    nlohmann::json out = {{"keys", nlohmann::json::array()}};
    for (const auto* k : keys)
        out["keys"].push_back(k->jwk());
    return out.dump();
}

}  // namespace ambient::runner::testing
