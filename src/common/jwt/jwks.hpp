#pragma once
// JSON Web Key Sets (RFC 7517) holding the public keys that may sign tokens: RSA (RS256),
// EC P-256 (ES256) and OKP Ed25519 (EdDSA). Other keys are skipped, not errors, so that a
// provider publishing an extra key type doesn't break sign-in.
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace ambient::jwt {

class JwtError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Algorithm { RS256, ES256, EdDSA };

// "RS256" → RS256 …; nullopt-like: throws JwtError for anything else ("none", "HS256", …).
Algorithm parse_algorithm(std::string_view name);
const char* algorithm_name(Algorithm alg);

struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct Jwk {
    std::string kid;
    Algorithm algorithm;  // the only algorithm this key verifies
    PkeyPtr key;
};

class Jwks {
public:
    // Throws JwtError when `json` is not a JWKS document.
    static Jwks parse(std::string_view json);

    // The key for `kid`; with an empty kid, the only key when there is exactly one.
    const Jwk* find(std::string_view kid) const;
    std::size_t size() const { return keys_.size(); }
    void add(Jwk key) { keys_.push_back(std::move(key)); }

private:
    std::vector<Jwk> keys_;
};

}  // namespace ambient::jwt
