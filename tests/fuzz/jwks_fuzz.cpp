// JSON Web Key Sets, as the API server fetches them from an OIDC provider. Whatever the
// document: only JwtError escapes Jwks::parse(); a key set of one key gives that key back
// without a kid, and the key written out again as a JWK parses to the same public key.
#include <openssl/evp.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/jwt/jwt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ambient::jwt;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    Jwks keys;
    try {
        keys = Jwks::parse(text);
    } catch (const JwtError&) {
        return 0;
    }
    const Jwk* only = keys.find("");
    if ((only != nullptr) != (keys.size() == 1)) std::abort();
    if (only == nullptr) return 0;
    if (only->key == nullptr) std::abort();

    const auto jwk = public_jwk(only->key.get(), only->algorithm, only->kid);
    const auto again = Jwks::parse(nlohmann::json{{"keys", {jwk}}}.dump());
    const Jwk* same = again.find(only->kid);
    if (same == nullptr || same->algorithm != only->algorithm) std::abort();
    if (EVP_PKEY_eq(same->key.get(), only->key.get()) != 1) std::abort();
    return 0;
}
