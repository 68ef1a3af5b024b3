#include "common/jwt/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "common/jwt/base64url.hpp"

namespace ambient::jwt {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

struct MdCtx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~MdCtx() { EVP_MD_CTX_free(ctx); }
};

const EVP_MD* digest_for(Algorithm alg) {
    return alg == Algorithm::EdDSA ? nullptr : EVP_sha256();
}

// JWS carries ECDSA signatures as r||s (32 bytes each); OpenSSL wants DER.
std::optional<std::string> raw_to_der(std::string_view raw) {
    if (raw.size() != 64) return std::nullopt;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
    ECDSA_SIG_set0(sig, r, s);
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    if (len <= 0) return std::nullopt;
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

std::string der_to_raw(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    if (sig == nullptr) throw JwtError("ECDSA signing failed");
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
}

bool signature_ok(const Jwk& key, std::string_view signing_input, const std::string& signature) {
    std::string sig = signature;
    if (key.algorithm == Algorithm::ES256) {
        auto der = raw_to_der(signature);
        if (!der) return false;
        sig = *der;
    }
    MdCtx md;
    if (md.ctx == nullptr ||
        EVP_DigestVerifyInit(md.ctx, nullptr, digest_for(key.algorithm), nullptr, key.key.get()) != 1) {
        return false;
    }
    return EVP_DigestVerify(md.ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
}

json decode_part(std::string_view part, const char* what) {
    const auto bytes = base64url_decode(part);
    if (!bytes) throw JwtError(std::string("token ") + what + " is not base64url");
    auto doc = json::parse(*bytes, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) throw JwtError(std::string("token ") + what + " is not a JSON object");
    return doc;
}

std::optional<std::int64_t> numeric_claim(const json& claims, const char* name) {
    auto it = claims.find(name);
    if (it == claims.end()) return std::nullopt;
    if (!it->is_number()) throw JwtError(std::string("claim '") + name + "' is not a number");
    // Clamped to ±2^53 s (285 million years), which keeps the meaning of any time a token can
    // name (an exp of 1e300 is never reached) while the conversion and the leeway arithmetic
    // stay defined. Found by tests/fuzz/jwt_fuzz.cpp.
    constexpr double kLimit = 9007199254740992.0;
    return static_cast<std::int64_t>(std::clamp(it->get<double>(), -kLimit, kLimit));
}

bool audience_matches(const json& claims, const std::string& audience) {
    auto it = claims.find("aud");
    if (it == claims.end()) return false;
    if (it->is_string()) return it->get<std::string>() == audience;
    if (it->is_array()) {
        for (const auto& a : *it) {
            if (a.is_string() && a.get<std::string>() == audience) return true;
        }
    }
    return false;
}

std::string bn_bytes(EVP_PKEY* key, const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw JwtError("cannot read key parameter");
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
}

}  // namespace

VerifiedToken verify(std::string_view token, const Jwks& keys, const VerifyOptions& options) {
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        throw JwtError("token is not a compact JWS (three dot-separated parts)");
    }
    VerifiedToken out;
    out.header = decode_part(token.substr(0, first), "header");
    if (!out.header.contains("alg") || !out.header["alg"].is_string()) throw JwtError("token header has no alg");
    const auto alg = parse_algorithm(out.header["alg"].get<std::string>());
    if (out.header.contains("crit")) throw JwtError("token header has unsupported critical extensions");
    const std::string kid =
        out.header.contains("kid") && out.header["kid"].is_string() ? out.header["kid"].get<std::string>() : "";
    const Jwk* key = keys.find(kid);
    if (key == nullptr) {
        if (kid.empty()) throw JwtError("token has no kid and the key set has several keys");
        throw UnknownKeyError("token is signed by an unknown key");
    }
    if (key->algorithm != alg) throw JwtError("token algorithm does not match its key");
    const auto signature = base64url_decode(token.substr(second + 1));
    if (!signature || signature->empty()) throw JwtError("token signature is not base64url");
    if (!signature_ok(*key, token.substr(0, second), *signature)) throw JwtError("token signature is invalid");

    out.claims = decode_part(token.substr(first + 1, second - first - 1), "payload");
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(options.now.time_since_epoch()).count();
    const auto leeway = options.leeway.count();
    const auto exp = numeric_claim(out.claims, "exp");
    if (!exp) throw JwtError("token has no exp claim");
    if (now > *exp + leeway) throw JwtError("token has expired");
    if (const auto nbf = numeric_claim(out.claims, "nbf"); nbf && now + leeway < *nbf) {
        throw JwtError("token is not valid yet (nbf)");
    }
    if (!options.issuer.empty()) {
        auto it = out.claims.find("iss");
        if (it == out.claims.end() || !it->is_string() || it->get<std::string>() != options.issuer) {
            throw JwtError("token issuer is not accepted");
        }
    }
    if (!options.audience.empty() && !audience_matches(out.claims, options.audience)) {
        throw JwtError("token audience is not accepted");
    }
    return out;
}

std::string sign(const json& claims, EVP_PKEY* private_key, Algorithm alg, const std::string& kid) {
    json header = {{"alg", algorithm_name(alg)}, {"typ", "JWT"}};
    if (!kid.empty()) header["kid"] = kid;
    const std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    MdCtx md;
    if (md.ctx == nullptr || EVP_DigestSignInit(md.ctx, nullptr, digest_for(alg), nullptr, private_key) != 1) {
        throw JwtError("cannot initialise signing");
    }
    std::size_t len = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    if (EVP_DigestSign(md.ctx, nullptr, &len, data, input.size()) != 1) throw JwtError("signing failed");
    std::string sig(len, '\0');
    if (EVP_DigestSign(md.ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, data, input.size()) != 1) {
        throw JwtError("signing failed");
    }
    sig.resize(len);
    if (alg == Algorithm::ES256) sig = der_to_raw(sig);
    return input + "." + base64url_encode(sig);
}

PkeyPtr generate_key(Algorithm alg) {
    EVP_PKEY* key = nullptr;
    switch (alg) {
        case Algorithm::RS256:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
            break;
        case Algorithm::ES256:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
            break;
        case Algorithm::EdDSA:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
            break;
    }
    if (key == nullptr) throw JwtError("key generation failed");
    return PkeyPtr(key);
}

json public_jwk(EVP_PKEY* key, Algorithm alg, const std::string& kid) {
    json jwk = {{"kid", kid}, {"alg", algorithm_name(alg)}, {"use", "sig"}};
    switch (alg) {
        case Algorithm::RS256:
            jwk["kty"] = "RSA";
            jwk["n"] = base64url_encode(bn_bytes(key, OSSL_PKEY_PARAM_RSA_N));
            jwk["e"] = base64url_encode(bn_bytes(key, OSSL_PKEY_PARAM_RSA_E));
            break;
        case Algorithm::ES256: {
            jwk["kty"] = "EC";
            jwk["crv"] = "P-256";
            jwk["x"] = base64url_encode(bn_bytes(key, OSSL_PKEY_PARAM_EC_PUB_X));
            jwk["y"] = base64url_encode(bn_bytes(key, OSSL_PKEY_PARAM_EC_PUB_Y));
            // Coordinates are fixed-width in a JWK: pad what BN dropped.
            for (const char* c : {"x", "y"}) {
                auto bytes = *base64url_decode(jwk[c].get<std::string>());
                if (bytes.size() < 32) jwk[c] = base64url_encode(std::string(32 - bytes.size(), '\0') + bytes);
            }
            break;
        }
        case Algorithm::EdDSA: {
            jwk["kty"] = "OKP";
            jwk["crv"] = "Ed25519";
            std::string raw(32, '\0');
            std::size_t len = raw.size();
            if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1) {
                throw JwtError("cannot read Ed25519 key");
            }
            jwk["x"] = base64url_encode(raw);
            break;
        }
    }
    return jwk;
}

std::string username_of(const json& claims) {
    for (const char* name : {"username", "preferred_username", "sub"}) {
        auto it = claims.find(name);
        if (it != claims.end() && it->is_string() && !it->get<std::string>().empty()) return it->get<std::string>();
    }
    return {};
}

}  // namespace ambient::jwt
