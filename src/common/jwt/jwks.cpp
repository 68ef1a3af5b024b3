#include "common/jwt/jwks.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <nlohmann/json.hpp>

#include "common/jwt/base64url.hpp"

namespace ambient::jwt {
namespace {

using nlohmann::json;

std::string member(const json& key, const char* name) {
    auto it = key.find(name);
    if (it == key.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

std::string decoded(const json& key, const char* name) {
    auto value = base64url_decode(member(key, name));
    if (!value || value->empty()) throw JwtError(std::string("JWK member '") + name + "' is not base64url");
    return *value;
}

struct ParamBuild {
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = nullptr;
    std::vector<BIGNUM*> numbers;
    ~ParamBuild() {
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        for (auto* n : numbers)
            BN_free(n);
    }
};

PkeyPtr from_params(const char* type, ParamBuild& pb) {
    pb.params = OSSL_PARAM_BLD_to_param(pb.bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY* key = nullptr;
    const bool ok = ctx != nullptr && pb.params != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
                    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, pb.params) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) throw JwtError(std::string("JWK is not a valid ") + type + " public key");
    return PkeyPtr(key);
}

PkeyPtr rsa_key(const json& k) {
    ParamBuild pb;
    const auto n = decoded(k, "n");
    const auto e = decoded(k, "e");
    auto* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
    auto* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
    pb.numbers = {bn_n, bn_e};
    // The modulus's bits, not its encoding's length: leading zero bytes would otherwise pass
    // off a short key as a 2048-bit one.
    if (BN_num_bits(bn_n) < 2048) throw JwtError("RSA keys shorter than 2048 bits are not accepted");
    OSSL_PARAM_BLD_push_BN(pb.bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
    OSSL_PARAM_BLD_push_BN(pb.bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
    return from_params("RSA", pb);
}

PkeyPtr ec_key(const json& k) {
    if (member(k, "crv") != "P-256") throw JwtError("only EC keys on P-256 are accepted");
    const auto x = decoded(k, "x");
    const auto y = decoded(k, "y");
    if (x.size() != 32 || y.size() != 32) throw JwtError("P-256 coordinates must be 32 bytes");
    std::string point = "\x04" + x + y;  // uncompressed point
    ParamBuild pb;
    OSSL_PARAM_BLD_push_utf8_string(pb.bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(pb.bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    return from_params("EC", pb);
}

PkeyPtr ed25519_key(const json& k) {
    if (member(k, "crv") != "Ed25519") throw JwtError("only OKP keys on Ed25519 are accepted");
    const auto x = decoded(k, "x");
    if (x.size() != 32) throw JwtError("Ed25519 public keys must be 32 bytes");
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                reinterpret_cast<const unsigned char*>(x.data()), x.size());
    if (key == nullptr) throw JwtError("JWK is not a valid Ed25519 public key");
    return PkeyPtr(key);
}

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* key) const {
    EVP_PKEY_free(key);
}

Algorithm parse_algorithm(std::string_view name) {
    if (name == "RS256") return Algorithm::RS256;
    if (name == "ES256") return Algorithm::ES256;
    if (name == "EdDSA") return Algorithm::EdDSA;
    throw JwtError("algorithm '" + std::string(name.substr(0, 16)) + "' is not accepted (RS256, ES256, EdDSA only)");
}

const char* algorithm_name(Algorithm alg) {
    switch (alg) {
        case Algorithm::RS256:
            return "RS256";
        case Algorithm::ES256:
            return "ES256";
        case Algorithm::EdDSA:
            return "EdDSA";
    }
    return "";
}

Jwks Jwks::parse(std::string_view text) {
    const auto doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
        throw JwtError("not a JWKS document (expected {\"keys\": [...]})");
    }
    Jwks jwks;
    for (const auto& k : doc["keys"]) {
        if (!k.is_object()) continue;
        if (auto use = member(k, "use"); !use.empty() && use != "sig") continue;
        const auto kty = member(k, "kty");
        const auto alg = member(k, "alg");
        Jwk jwk{member(k, "kid"), Algorithm::RS256, nullptr};
        if (kty == "RSA" && (alg.empty() || alg == "RS256")) {
            jwk.algorithm = Algorithm::RS256;
            jwk.key = rsa_key(k);
        } else if (kty == "EC" && (alg.empty() || alg == "ES256")) {
            jwk.algorithm = Algorithm::ES256;
            jwk.key = ec_key(k);
        } else if (kty == "OKP" && (alg.empty() || alg == "EdDSA")) {
            jwk.algorithm = Algorithm::EdDSA;
            jwk.key = ed25519_key(k);
        } else {
            continue;  // a key type or algorithm we never accept
        }
        jwks.keys_.push_back(std::move(jwk));
    }
    return jwks;
}

const Jwk* Jwks::find(std::string_view kid) const {
    if (kid.empty()) return keys_.size() == 1 ? &keys_.front() : nullptr;
    for (const auto& k : keys_) {
        if (k.kid == kid) return &k;
    }
    return nullptr;
}

}  // namespace ambient::jwt
