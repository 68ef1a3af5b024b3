#pragma once
// JSON Web Tokens (RFC 7519), compact form, signed with RS256, ES256 or EdDSA — never
// "none", never HMAC (so a public key can never be misused as an HMAC secret).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/jwt/jwks.hpp"

namespace ambient::jwt {

// The token names a key id that the key set doesn't hold (the caller may refetch it).
class UnknownKeyError : public JwtError {
public:
    using JwtError::JwtError;
};

struct VerifyOptions {
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    std::chrono::seconds leeway{60};
    std::string issuer;    // checked when not empty
    std::string audience;  // checked when not empty (aud may be a string or an array)
};

struct VerifiedToken {
    nlohmann::json header;
    nlohmann::json claims;
};

// Verifies signature, algorithm, key and the time and audience claims; `exp` is required.
// Throws UnknownKeyError or JwtError with a reason that never contains the token.
VerifiedToken verify(std::string_view token, const Jwks& keys, const VerifyOptions& options);

// Signs `claims` with a private key; the header gets `alg`, `typ: JWT` and `kid`.
std::string sign(const nlohmann::json& claims, EVP_PKEY* private_key, Algorithm alg, const std::string& kid);

// A new private key for `alg` (RSA 2048, P-256 or Ed25519).
PkeyPtr generate_key(Algorithm alg);
// The public JWK of a key, e.g. {"kty":"EC","crv":"P-256","x":…,"y":…,"kid":…,"alg":"ES256","use":"sig"}.
nlohmann::json public_jwk(EVP_PKEY* key, Algorithm alg, const std::string& kid);

// The username of verified claims: the first non-empty of username, preferred_username, sub.
std::string username_of(const nlohmann::json& claims);

}  // namespace ambient::jwt
