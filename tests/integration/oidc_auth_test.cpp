// OIDC user tokens over HTTP: verified against a JWKS file or URL that the test makes,
// the forged-token matrix answered with 401, users provisioned from their claims.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>

#include "common/http/server.hpp"
#include "common/jwt/base64url.hpp"
#include "common/jwt/jwt.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using jwt::Algorithm;
using nlohmann::json;

constexpr const char* kIssuer = "https://sso.test/realms/ambient";
constexpr const char* kAudience = "ambient-api";

std::int64_t now_plus(std::int64_t seconds) {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
               .count() +
           seconds;
}

struct Key {
    Algorithm alg;
    std::string kid;
    jwt::PkeyPtr pkey = jwt::generate_key(alg);
    std::string token(json claims) const { return jwt::sign(claims, pkey.get(), alg, kid); }
    json jwk() const { return jwt::public_jwk(pkey.get(), alg, kid); }
};

json user_claims(const std::string& username, json extra = json::object()) {
    json c = {{"preferred_username", username},
              {"sub", "sub-" + username},
              {"name", "Ada Lovelace"},
              {"email", username + "@example.com"},
              {"iss", kIssuer},
              {"aud", kAudience},
              {"exp", now_plus(600)},
              {"iat", now_plus(0)}};
    for (auto& [k, v] : extra.items())
        c[k] = v;
    return c;
}

class OidcAuth : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        jwks_path_ = dir_.path() / "jwks.json";
        std::ofstream(jwks_path_) << json{{"keys", {rsa_.jwk(), ec_.jwk(), ed_.jwk()}}}.dump();
        server_ = std::make_unique<ApiServer>(
            GetParam(), std::vector<std::string>{"--jwk-cert-file", jwks_path_.string(), "--oidc-issuer", kIssuer,
                                                 "--oidc-audience", kAudience});
    }
    HttpClient as(const std::string& token) {
        auto c = server_->client(false);
        c.set_bearer(token);
        return c;
    }
    TempDir dir_;
    std::filesystem::path jwks_path_;
    Key rsa_{Algorithm::RS256, "rsa"};
    Key ec_{Algorithm::ES256, "ec"};
    Key ed_{Algorithm::EdDSA, "ed"};
    std::unique_ptr<ApiServer> server_;
};

TEST_P(OidcAuth, ValidTokensOfEachAlgorithmAreAccepted) {
    for (const Key* key : {&rsa_, &ec_, &ed_}) {
        auto r = as(key->token(user_claims("ada"))).get("/api/ambient/v1/projects");
        EXPECT_EQ(r.status, 200) << key->kid << ": " << r.body;
    }
}

TEST_P(OidcAuth, UsersAreProvisionedFromTheirClaimsOnFirstSight) {
    auto ada = as(ec_.token(user_claims("ada")));
    ASSERT_EQ(ada.get("/api/ambient/v1/projects").status, 200);
    ASSERT_EQ(ada.get("/api/ambient/v1/projects").status, 200);
    auto users = server_->client().get("/api/ambient/v1/users?search=" + url_encode("username = 'ada'")).json();
    ASSERT_EQ(users["total"], 1);
    EXPECT_EQ(users["items"][0]["name"], "Ada Lovelace");
    EXPECT_EQ(users["items"][0]["email"], "ada@example.com");

    // The session's creator is the token's user.
    ASSERT_EQ(ada.post("/api/ambient/v1/projects", R"({"name":"adas"})").status, 201);
    auto s = ada.post("/api/ambient/v1/sessions", R"({"name":"s","project_id":"adas"})");
    ASSERT_EQ(s.status, 201) << s.body;
    EXPECT_EQ(s.json()["created_by_user_id"], "ada");
}

TEST_P(OidcAuth, UsernameIsTheFirstOfUsernamePreferredUsernameSub) {
    auto only_sub = user_claims("ignored");
    only_sub.erase("preferred_username");
    only_sub["sub"] = "subject-7";
    ASSERT_EQ(as(ec_.token(only_sub)).post("/api/ambient/v1/projects", R"({"name":"by-sub"})").status, 201);
    auto with_username = user_claims("pref", {{"username", "explicit"}});
    auto c = as(ec_.token(with_username));
    ASSERT_EQ(c.post("/api/ambient/v1/projects", R"({"name":"by-username"})").status, 201);
    auto s = c.post("/api/ambient/v1/sessions", R"({"name":"s","project_id":"by-username"})").json();
    EXPECT_EQ(s["created_by_user_id"], "explicit");
}

// Behind an OAuth proxy (--trust-forwarded-access-token) the forwarded token is verified like
// any other. (Without the flag the header is ignored: security/limits_test.)
TEST_P(OidcAuth, ForwardedAccessTokenIsVerifiedLikeAnyOther) {
    server_ = std::make_unique<ApiServer>(
        GetParam(), std::vector<std::string>{"--jwk-cert-file", jwks_path_.string(), "--oidc-issuer", kIssuer,
                                             "--oidc-audience", kAudience, "--trust-forwarded-access-token"});
    auto anonymous = server_->client(false);
    EXPECT_EQ(
        anonymous.get("/api/ambient/v1/projects", {{"X-Forwarded-Access-Token", ec_.token(user_claims("fwd"))}}).status,
        200);
    EXPECT_EQ(anonymous
                  .get("/api/ambient/v1/projects",
                       {{"X-Forwarded-Access-Token", ec_.token(user_claims("fwd", {{"exp", now_plus(-3600)}}))}})
                  .status,
              401);
    EXPECT_EQ(anonymous.get("/api/ambient/v1/projects", {{"X-Forwarded-Access-Token", "garbage"}}).status, 401);
}

TEST_P(OidcAuth, ForgedTokensAre401WithoutEchoingTheToken) {
    Key stranger{Algorithm::ES256, "ec"};
    const auto good = ec_.token(user_claims("ada"));
    const auto dot1 = good.find('.');
    const auto dot2 = good.rfind('.');
    auto part = [](const json& j) { return jwt::base64url_encode(j.dump()); };
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"alg none", part({{"alg", "none"}}) + "." + part(user_claims("ada")) + "."},
        {"unknown signer", stranger.token(user_claims("ada"))},
        {"expired", ec_.token(user_claims("ada", {{"exp", now_plus(-120)}}))},
        {"nbf in the future", ec_.token(user_claims("ada", {{"nbf", now_plus(3600)}}))},
        {"wrong issuer", ec_.token(user_claims("ada", {{"iss", "https://evil"}}))},
        {"wrong audience", ec_.token(user_claims("ada", {{"aud", "someone-else"}}))},
        {"missing kid with several keys", jwt::sign(user_claims("ada"), ec_.pkey.get(), Algorithm::ES256, "")},
        {"payload altered", good.substr(0, dot1 + 1) + part(user_claims("admin")) + good.substr(dot2)},
        {"HS256", part({{"alg", "HS256"}, {"kid", "rsa"}}) + "." + part(user_claims("ada")) + ".c2ln"},
    };
    for (const auto& [name, token] : cases) {
        auto r = as(token).get("/api/ambient/v1/projects");
        EXPECT_EQ(r.status, 401) << name;
        EXPECT_EQ(r.json()["code"], "ambient-api-server-15") << name;
        EXPECT_EQ(r.body.find(token.substr(0, 40)), std::string::npos) << name;
    }
    server_->process().stop();
    const auto log = server_->process().log();
    for (const auto& [name, token] : cases)
        EXPECT_EQ(log.find(token.substr(0, 40)), std::string::npos) << name;
}

TEST_P(OidcAuth, ServiceTokensKeepWorking) {
    EXPECT_EQ(server_->client().get("/api/ambient/v1/projects").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, OidcAuth, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

// A JWKS served over HTTP by the test: an unknown kid triggers one refetch, and no more
// than one per 30 s however many unknown kids arrive.
TEST(OidcJwksUrl, UnknownKidRefetchesAtMostOncePerInterval) {
    Key first{Algorithm::ES256, "k1"};
    Key rotated{Algorithm::ES256, "k2"};
    Key never{Algorithm::ES256, "k3"};
    std::mutex mutex;
    json served = {{"keys", {first.jwk()}}};
    std::atomic<int> hits{0};

    http::Router router;
    router.add({"GET", "/jwks",
                [&](http::Request&) {
                    ++hits;
                    std::lock_guard lock(mutex);
                    return http::Response::json(200, served.dump());
                },
                true, "test JWKS"});
    http::ServerOptions options;
    options.port = 0;
    options.worker_threads = 2;
    http::Server jwks_server(options, router);
    jwks_server.start();
    const auto url = "http://127.0.0.1:" + std::to_string(jwks_server.port()) + "/jwks";

    ApiServer api(Backend::Sqlite, {"--jwk-cert-url", url});
    EXPECT_EQ(hits.load(), 1);
    auto c = api.client(false);
    c.set_bearer(first.token(user_claims("a", {{"iss", "x"}, {"aud", "y"}})));
    auto r = c.get("/api/ambient/v1/projects");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(hits.load(), 1);

    {
        std::lock_guard lock(mutex);
        served = {{"keys", {first.jwk(), rotated.jwk()}}};
    }
    c.set_bearer(rotated.token(user_claims("b")));
    EXPECT_EQ(c.get("/api/ambient/v1/projects").status, 200);
    EXPECT_EQ(hits.load(), 2);

    for (int i = 0; i < 5; ++i) {
        c.set_bearer(never.token(user_claims("c" + std::to_string(i))));
        EXPECT_EQ(c.get("/api/ambient/v1/projects").status, 401);
    }
    EXPECT_EQ(hits.load(), 2);
    jwks_server.stop();
}

}  // namespace
}  // namespace ambient::testing
