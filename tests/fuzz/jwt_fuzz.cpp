// JWT verification (the API server's, common/jwt) and acpctl's unverified reading of a
// token's claims (cli/jwt_claims). The keys are made once per process, so no input can carry
// a valid signature. The first byte chooses what the rest is:
//   - a token: verify() refuses it with JwtError (never another exception, never success),
//     and acpctl's reading of it returns or declines without undefined behaviour;
//   - claims (JSON), verify options and a tamper: the claims signed with a key of the set
//     verify exactly when their exp, nbf, iss and aud allow, giving back the claims as
//     signed; the token with any one character changed never verifies.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli/jwt_claims.hpp"
#include "common/jwt/jwt.hpp"

namespace {

using namespace ambient::jwt;
using nlohmann::json;

struct Keys {
    PkeyPtr rsa = generate_key(Algorithm::RS256);
    PkeyPtr ec = generate_key(Algorithm::ES256);
    PkeyPtr ed = generate_key(Algorithm::EdDSA);
    Jwks set = Jwks::parse(json{
        {"keys",
         {public_jwk(rsa.get(), Algorithm::RS256, "rsa"), public_jwk(ec.get(), Algorithm::ES256, "ec"),
          public_jwk(ed.get(), Algorithm::EdDSA,
                     "ed")}}}.dump());
};

const Keys& keys() {
    static const Keys k;
    return k;
}

bool verifies(std::string_view token, const VerifyOptions& options) {
    try {
        verify(token, keys().set, options);
        return true;
    } catch (const JwtError&) {
        return false;
    }
}

void read_unverified(std::string_view token) {
    ambient::cli::unverified_claims(token);
    if (const auto expiry = ambient::cli::token_expiry(token)) ambient::cli::rfc3339_seconds(*expiry);
}

// What verify() must decide about signed claims, from the claims alone (RFC 7519 4.1). Times
// count in whole seconds, a fraction cut off toward zero, as verify() counts them.
bool claims_acceptable(const json& claims, std::int64_t now, std::int64_t leeway, const VerifyOptions& options) {
    const auto exp = claims.find("exp");
    if (exp == claims.end() || !exp->is_number()) return false;
    if (static_cast<double>(now) > std::trunc(exp->get<double>()) + static_cast<double>(leeway)) return false;
    if (const auto nbf = claims.find("nbf"); nbf != claims.end()) {
        if (!nbf->is_number() || static_cast<double>(now + leeway) < std::trunc(nbf->get<double>())) return false;
    }
    if (!options.issuer.empty() && claims.value("iss", json()) != json(options.issuer)) return false;
    if (!options.audience.empty()) {
        const auto aud = claims.value("aud", json());
        const bool listed = aud.is_array() && std::find(aud.begin(), aud.end(), json(options.audience)) != aud.end();
        if (aud != json(options.audience) && !listed) return false;
    }
    return true;
}

void signed_claims(FuzzedDataProvider& in) {
    const auto now = in.ConsumeIntegralInRange<std::int64_t>(0, std::int64_t{1} << 33);
    const auto leeway = in.ConsumeIntegralInRange<std::int64_t>(0, 3600);
    VerifyOptions options;
    options.now = std::chrono::system_clock::time_point(std::chrono::seconds(now));
    options.leeway = std::chrono::seconds(leeway);
    options.issuer = in.ConsumeRandomLengthString(8);
    options.audience = in.ConsumeRandomLengthString(8);
    const auto alg = in.ConsumeBool() ? Algorithm::ES256 : Algorithm::EdDSA;
    const auto tamper_at = in.ConsumeIntegral<std::uint16_t>();
    const auto tamper_with = in.ConsumeIntegral<char>();
    const auto claims = json::parse(in.ConsumeRemainingBytesAsString(), nullptr, false);
    if (!claims.is_object()) return;

    auto* key = alg == Algorithm::ES256 ? keys().ec.get() : keys().ed.get();
    std::string token = sign(claims, key, alg, alg == Algorithm::ES256 ? "ec" : "ed");
    read_unverified(token);
    try {
        const auto verified = verify(token, keys().set, options);
        if (verified.claims != claims) std::abort();
        if (!claims_acceptable(claims, now, leeway, options)) std::abort();
    } catch (const JwtError&) {
        if (claims_acceptable(claims, now, leeway, options)) std::abort();
    }

    const auto at = tamper_at % token.size();
    if (token[at] == tamper_with) return;
    token[at] = tamper_with;
    options.issuer.clear();
    options.audience.clear();
    options.leeway = std::chrono::seconds(std::int64_t{1} << 40);
    if (verifies(token, options)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    FuzzedDataProvider in(data + 1, size - 1);
    if (data[0] & 1) {
        signed_claims(in);
        return 0;
    }
    const auto token = in.ConsumeRemainingBytesAsString();
    read_unverified(token);
    VerifyOptions options;
    options.now = std::chrono::system_clock::time_point(std::chrono::seconds(1764340000));
    if (verifies(token, options)) std::abort();
    return 0;
}
