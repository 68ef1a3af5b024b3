// JWT verification: the forged-token matrix and the happy paths, with keys made here.
#include "common/jwt/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <limits>

#include "common/jwt/base64url.hpp"

namespace ambient::jwt {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using Clock = std::chrono::system_clock;

const Clock::time_point kNow = Clock::time_point{seconds{1764340000}};
std::int64_t at(std::int64_t offset) {
    return 1764340000 + offset;
}

struct Signer {
    Algorithm alg;
    std::string kid;
    PkeyPtr key = generate_key(alg);
    std::string token(const json& claims) const { return sign(claims, key.get(), alg, kid); }
    json jwk() const { return public_jwk(key.get(), alg, kid); }
};

Jwks keyset(std::initializer_list<const Signer*> signers) {
    json doc = {{"keys", json::array()}};
    for (const auto* s : signers)
        doc["keys"].push_back(s->jwk());
    return Jwks::parse(doc.dump());
}

json claims(json extra = {}) {
    json c = {{"sub", "u-123"}, {"preferred_username", "ada"}, {"exp", at(300)}, {"iat", at(0)}};
    for (auto& [k, v] : extra.items())
        c[k] = v;
    return c;
}

VerifyOptions options() {
    VerifyOptions o;
    o.now = kNow;
    return o;
}

std::string part(const json& j) {
    return base64url_encode(j.dump());
}

TEST(Jwt, VerifiesEachAcceptedAlgorithm) {
    for (auto alg : {Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA}) {
        Signer s{alg, std::string("k-") + algorithm_name(alg)};
        const auto keys = keyset({&s});
        const auto verified = verify(s.token(claims()), keys, options());
        EXPECT_EQ(username_of(verified.claims), "ada") << algorithm_name(alg);
        EXPECT_EQ(verified.header["alg"], algorithm_name(alg));
    }
}

TEST(Jwt, UsernameClaimOrder) {
    EXPECT_EQ(username_of({{"username", "a"}, {"preferred_username", "b"}, {"sub", "c"}}), "a");
    EXPECT_EQ(username_of({{"username", ""}, {"preferred_username", "b"}, {"sub", "c"}}), "b");
    EXPECT_EQ(username_of({{"sub", "c"}}), "c");
    EXPECT_EQ(username_of(json::object()), "");
}

// Every forged or unacceptable token, each refused.
TEST(Jwt, ForgedTokenMatrix) {
    Signer rsa{Algorithm::RS256, "rsa-1"};
    Signer ec{Algorithm::ES256, "ec-1"};
    Signer stranger{Algorithm::ES256, "ec-1"};  // same kid, different key
    const auto keys = keyset({&rsa, &ec});
    const auto good = ec.token(claims());
    const auto dot1 = good.find('.');
    const auto dot2 = good.rfind('.');

    // HS256 with the RSA public key's JWK text as the HMAC secret (the classic confusion).
    const std::string secret = rsa.jwk().dump();
    const std::string hs_input = part({{"alg", "HS256"}, {"kid", "rsa-1"}}) + "." + part(claims());
    unsigned char mac[32];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(hs_input.data()), hs_input.size(), mac, &mac_len);

    json altered_claims = claims({{"preferred_username", "admin"}});
    struct Case {
        std::string name;
        std::string token;
        VerifyOptions opts;
    };
    auto with = [](auto change) {
        auto o = options();
        change(o);
        return o;
    };
    const std::vector<Case> cases = {
        {"alg none", part({{"alg", "none"}}) + "." + part(claims()) + ".", options()},
        {"alg none with kid", part({{"alg", "none"}, {"kid", "ec-1"}}) + "." + part(claims()) + ".x", options()},
        {"HS256 keyed with the public key",
         hs_input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), mac_len)), options()},
        {"valid signature from an unknown key", stranger.token(claims()), options()},
        {"unknown kid", Signer{Algorithm::ES256, "other"}.token(claims()), options()},
        {"expired", ec.token(claims({{"exp", at(-61)}})), options()},
        {"no exp", ec.token(json{{"sub", "x"}}), options()},
        {"nbf in the future", ec.token(claims({{"nbf", at(120)}})), options()},
        {"wrong iss", ec.token(claims({{"iss", "https://evil"}})), with([](auto& o) { o.issuer = "https://sso"; })},
        {"missing iss", ec.token(claims()), with([](auto& o) { o.issuer = "https://sso"; })},
        {"wrong aud", ec.token(claims({{"aud", "other"}})), with([](auto& o) { o.audience = "ambient"; })},
        {"missing kid with several keys", sign(claims(), ec.key.get(), Algorithm::ES256, ""), options()},
        {"payload altered after signing", good.substr(0, dot1 + 1) + part(altered_claims) + good.substr(dot2),
         options()},
        {"algorithm switched to the other key's", part({{"alg", "RS256"}, {"kid", "ec-1"}}) + good.substr(dot1),
         options()},
        {"signature truncated", good.substr(0, good.size() - 4), options()},
        {"two parts", good.substr(0, dot2), options()},
        {"four parts", good + ".x", options()},
        {"garbage", "not.a.token", options()},
        {"empty", "", options()},
        {"critical extension", part({{"alg", "ES256"}, {"kid", "ec-1"}, {"crit", {"b64"}}}) + good.substr(dot1),
         options()},
    };
    for (const auto& c : cases) {
        EXPECT_THROW(verify(c.token, keys, c.opts), JwtError) << c.name;
        try {
            verify(c.token, keys, c.opts);
        } catch (const JwtError& e) {
            if (!c.token.empty()) {
                EXPECT_EQ(std::string(e.what()).find(c.token), std::string::npos) << c.name;
            }
        }
    }
    EXPECT_THROW(verify(Signer{Algorithm::ES256, "other"}.token(claims()), keys, options()), UnknownKeyError);
}

TEST(Jwt, LeewayAndAudienceArrays) {
    Signer ec{Algorithm::ES256, "k"};
    const auto keys = keyset({&ec});
    EXPECT_NO_THROW(verify(ec.token(claims({{"exp", at(-59)}})), keys, options()));
    EXPECT_NO_THROW(verify(ec.token(claims({{"nbf", at(59)}})), keys, options()));
    auto o = options();
    o.audience = "ambient";
    o.issuer = "https://sso";
    EXPECT_NO_THROW(verify(ec.token(claims({{"aud", {"x", "ambient"}}, {"iss", "https://sso"}})), keys, o));
}

TEST(Jwt, SingleKeyMayBeUsedWithoutKid) {
    Signer ed{Algorithm::EdDSA, ""};
    const auto keys = keyset({&ed});
    EXPECT_NO_THROW(verify(ed.token(claims()), keys, options()));
}

TEST(Jwks, SkipsKeysWeNeverAcceptAndRefusesBrokenOnes) {
    const auto keys = Jwks::parse(R"({"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"h"},
                                              {"kty":"RSA","alg":"RS512","n":"AQAB","e":"AQAB","kid":"r"},
                                              {"kty":"EC","use":"enc","crv":"P-256","x":"AA","y":"AA"}]})");
    EXPECT_EQ(keys.size(), 0u);
    EXPECT_THROW(Jwks::parse("[]"), JwtError);
    EXPECT_THROW(Jwks::parse(R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})"), JwtError);
    EXPECT_THROW(Jwks::parse(R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})"), JwtError);  // too short
}

// A 1024-bit modulus written with 128 leading zero bytes is 256 bytes long, but no 2048-bit key.
TEST(Jwks, ShortRsaModulusPaddedWithZerosIsRefused) {
    std::string n(128, '\0');
    n += '\xc1';
    n += std::string(126, '\x5a');
    n += '\x03';
    const json doc = {{"keys", {{{"kty", "RSA"}, {"n", base64url_encode(n)}, {"e", "AQAB"}}}}};
    EXPECT_THROW(Jwks::parse(doc.dump()), JwtError);
}

// Times no clock can hold keep their meaning (an exp of 1e300 is never reached) instead of
// overflowing a 64-bit count of seconds.
TEST(Jwt, TimesBeyondAnyClockAreClamped) {
    Signer ec{Algorithm::ES256, "k"};
    const auto keys = keyset({&ec});
    EXPECT_NO_THROW(verify(ec.token(claims({{"exp", 1e300}})), keys, options()));
    EXPECT_NO_THROW(verify(ec.token(claims({{"exp", std::numeric_limits<std::int64_t>::max()}})), keys, options()));
    EXPECT_NO_THROW(verify(ec.token(claims({{"nbf", -1e300}})), keys, options()));
    EXPECT_THROW(verify(ec.token(claims({{"exp", -1e300}})), keys, options()), JwtError);
    EXPECT_THROW(verify(ec.token(claims({{"nbf", 1e300}})), keys, options()), JwtError);
}

TEST(Base64url, RoundTripsAndRefusesNonCanonical) {
    for (const std::string& s :
         std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\xfe", 3)}) {
        EXPECT_EQ(base64url_decode(base64url_encode(s)).value(), s);
    }
    EXPECT_FALSE(base64url_decode("Zm9v=").has_value());
    EXPECT_FALSE(base64url_decode("Zm9v+").has_value());
    EXPECT_FALSE(base64url_decode("Zh").has_value());  // non-zero leftover bits
    EXPECT_FALSE(base64url_decode("A").has_value());
}

}  // namespace
}  // namespace ambient::jwt
