// Runner tokens: signing keys in the database (sealed), issue/verify, what is refused, key
// sharing between instances, and the liveness check of the token's session.
#include "api/auth/runner_tokens.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <thread>

#include "api/schema_migrations.hpp"
#include "api/store/migrations.hpp"
#include "common/jwt/base64url.hpp"
#include "common/jwt/jwt.hpp"
#include "common/ksuid.hpp"
#include "common/time.hpp"
#include "support/pg_cluster.hpp"
#include "support/server_process.hpp"

namespace ambient::api {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kKeyring = R"({"1":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="})";

enum class Backend { Sqlite, Postgres };

json payload_of(const std::string& token) {
    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    return json::parse(*jwt::base64url_decode(token.substr(first + 1, second - first - 1)));
}

json header_of(const std::string& token) {
    return json::parse(*jwt::base64url_decode(token.substr(0, token.find('.'))));
}

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class RunnerTokensTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        if (GetParam() == Backend::Sqlite) {
            db_ = store::open_sqlite(dir_.path().string());
        } else {
            db_ = store::open_postgres(testing::PgCluster::shared().create_database("runner_tokens"));
        }
        store::apply_migrations(*db_, schema_migrations());
    }

    store::ResultSet query(const std::string& sql, const std::vector<store::SqlValue>& params = {}) {
        auto lease = db_->acquire();
        return lease->exec(sql, params);
    }

    // The stored signing key, opened with the keyring: to forge tokens with the real key.
    jwt::PkeyPtr stored_private_key(std::string& kid) {
        const auto rs = query("SELECT id, private_key FROM signing_keys WHERE retired_at IS NULL");
        EXPECT_EQ(rs.rows.size(), 1u);
        kid = std::get<std::string>(rs.rows.at(0).at(0));
        const auto pem = keyring_.open(kid, std::get<std::string>(rs.rows.at(0).at(1)));
        BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
        EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        EXPECT_NE(key, nullptr);
        return jwt::PkeyPtr(key);
    }

    json claims_for(const std::string& session) {
        return {{"iss", RunnerTokens::kIssuer}, {"aud", RunnerTokens::kAudience}, {"sub", "runner:" + session},
                {"session_id", session},        {"project_id", "proj"},           {"iat", now_seconds()},
                {"exp", now_seconds() + 600}};
    }

    static constexpr const char* kRun = "2aRunIdOfTheSessionsRun0001";
    // A session in its run kRun.
    void insert_session(const std::string& id, const std::string& project, const char* phase, bool deleted = false) {
        const auto now = now_rfc3339();
        store::SqlValue deleted_at = deleted ? store::SqlValue(now) : store::SqlValue(std::monostate{});
        store::SqlValue phase_value = phase != nullptr ? store::SqlValue(std::string(phase)) : std::monostate{};
        query(
            "INSERT INTO sessions (id, created_at, updated_at, deleted_at, name, project_id, kube_cr_name, phase, "
            "run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {id, now, now, deleted_at, std::string("s"), project, "cr-" + id, phase_value, std::string(kRun)});
    }

    testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
    credentials::Keyring keyring_ = credentials::Keyring::parse(kKeyring);
};

TEST_P(RunnerTokensTest, IssueAndVerifyRoundTrip) {
    RunnerTokens tokens(*db_, keyring_, 15min);
    const auto before = now_seconds();
    const auto issued = tokens.issue("sess1", "proj", "agent7");
    const auto claims = payload_of(issued.token);
    EXPECT_EQ(claims["iss"], "ambient-api-server");
    EXPECT_EQ(claims["aud"], "ambient-runner");
    EXPECT_EQ(claims["sub"], "runner:sess1");
    EXPECT_EQ(claims["session_id"], "sess1");
    EXPECT_EQ(claims["project_id"], "proj");
    EXPECT_EQ(claims["agent_id"], "agent7");
    EXPECT_GE(claims["iat"].get<std::int64_t>(), before);
    EXPECT_EQ(claims["exp"].get<std::int64_t>() - claims["iat"].get<std::int64_t>(), 900);
    const auto header = header_of(issued.token);
    EXPECT_EQ(header["alg"], "ES256");
    EXPECT_TRUE(is_ksuid(header["kid"].get<std::string>()));
    EXPECT_EQ(issued.expires_at,
              format_rfc3339(std::chrono::system_clock::time_point{std::chrono::seconds{claims["exp"]}}));

    const auto p = tokens.verify(issued.token);
    EXPECT_EQ(p.kind, Principal::Kind::Runner);
    EXPECT_EQ(p.username, "runner:sess1");
    EXPECT_EQ(p.session_id, "sess1");
    EXPECT_EQ(p.project_id, "proj");
    EXPECT_EQ(p.agent_id, "agent7");
    EXPECT_TRUE(tokens.is_runner_token(issued.token));

    const auto no_agent = tokens.issue("sess2", "proj", "");
    EXPECT_FALSE(payload_of(no_agent.token).contains("agent_id"));
    EXPECT_EQ(tokens.verify(no_agent.token).agent_id, "");
}

TEST_P(RunnerTokensTest, TheKeyIsStoredSealedAndPublishedInTheJwks) {
    RunnerTokens tokens(*db_, keyring_);
    const auto issued = tokens.issue("s", "proj", "");
    const auto rs = query("SELECT id, algorithm, private_key, public_jwk, retired_at FROM signing_keys");
    ASSERT_EQ(rs.rows.size(), 1u);
    const auto& kid = std::get<std::string>(rs.rows[0][0]);
    const auto& sealed = std::get<std::string>(rs.rows[0][2]);
    EXPECT_EQ(std::get<std::string>(rs.rows[0][1]), "ES256");
    EXPECT_EQ(sealed.rfind("enc:v", 0), 0u);
    EXPECT_EQ(sealed.find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(keyring_.open(kid, sealed).rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);  // PKCS#8 PEM
    EXPECT_THROW(keyring_.open("another-id", sealed), credentials::SealedValueError);   // kid is the AD
    EXPECT_TRUE(store::is_null(rs.rows[0][4]));

    const auto jwks = tokens.jwks();
    ASSERT_EQ(jwks["keys"].size(), 1u);
    EXPECT_EQ(jwks["keys"][0]["kid"], kid);
    EXPECT_EQ(jwks["keys"][0]["kty"], "EC");
    EXPECT_FALSE(jwks["keys"][0].contains("d"));
    EXPECT_EQ(header_of(issued.token)["kid"], kid);
    // The published key set verifies the token on its own.
    const auto verified =
        jwt::verify(issued.token, jwt::Jwks::parse(jwks.dump()), {.audience = RunnerTokens::kAudience});
    EXPECT_EQ(verified.claims["session_id"], "s");
}

TEST_P(RunnerTokensTest, TokensOfAnotherKeyAreRejected) {
    RunnerTokens tokens(*db_, keyring_);
    const auto kid = header_of(tokens.issue("s", "proj", "").token)["kid"].get<std::string>();
    const auto stranger = jwt::generate_key(jwt::Algorithm::ES256);
    // The right kid, the wrong key.
    EXPECT_THROW(tokens.verify(jwt::sign(claims_for("s"), stranger.get(), jwt::Algorithm::ES256, kid)), jwt::JwtError);
    // A kid we don't know.
    EXPECT_THROW(tokens.verify(jwt::sign(claims_for("s"), stranger.get(), jwt::Algorithm::ES256, "other")),
                 jwt::JwtError);
}

TEST_P(RunnerTokensTest, ExpiredTokensAreRejected) {
    RunnerTokens tokens(*db_, keyring_, 60s, 30s);
    const auto issued = tokens.issue("s", "proj", "");
    const auto now = std::chrono::system_clock::now();
    EXPECT_NO_THROW(tokens.verify(issued.token, now + 80s));  // within the leeway
    try {
        tokens.verify(issued.token, now + 120s);
        FAIL() << "expired token accepted";
    } catch (const jwt::JwtError& e) {
        EXPECT_NE(std::string(e.what()).find("expired"), std::string::npos) << e.what();
    }
}

TEST_P(RunnerTokensTest, WrongAudienceIssuerOrClaimsAreRejectedEvenWithTheRealKey) {
    RunnerTokens tokens(*db_, keyring_);
    tokens.issue("s", "proj", "");
    std::string kid;
    const auto key = stored_private_key(kid);
    auto forge = [&](json claims) { return jwt::sign(claims, key.get(), jwt::Algorithm::ES256, kid); };
    EXPECT_NO_THROW(tokens.verify(forge(claims_for("s"))));  // the forging itself is right

    auto c = claims_for("s");
    c["aud"] = "ambient-api";
    EXPECT_THROW(tokens.verify(forge(c)), jwt::JwtError);
    c = claims_for("s");
    c.erase("aud");
    EXPECT_THROW(tokens.verify(forge(c)), jwt::JwtError);
    c = claims_for("s");
    c["iss"] = "https://sso.example";
    EXPECT_THROW(tokens.verify(forge(c)), jwt::JwtError);
    c = claims_for("s");
    c["sub"] = "runner:other";
    EXPECT_THROW(tokens.verify(forge(c)), jwt::JwtError);
    c = claims_for("s");
    c.erase("session_id");
    EXPECT_THROW(tokens.verify(forge(c)), jwt::JwtError);
    c = claims_for("s");
    c.erase("project_id");
    EXPECT_THROW(tokens.verify(forge(c)), jwt::JwtError);
    c = claims_for("s");
    c.erase("exp");
    EXPECT_THROW(tokens.verify(forge(c)), jwt::JwtError);
}

TEST_P(RunnerTokensTest, TwoInstancesOnOneDatabaseShareTheKey) {
    RunnerTokens a(*db_, keyring_);
    RunnerTokens b(*db_, keyring_);
    const auto from_a = a.issue("s", "proj", "");
    const auto from_b = b.issue("t", "proj", "");
    EXPECT_EQ(header_of(from_a.token)["kid"], header_of(from_b.token)["kid"]);
    EXPECT_EQ(b.verify(from_a.token).session_id, "s");
    EXPECT_EQ(a.verify(from_b.token).session_id, "t");
    EXPECT_EQ(a.jwks(), b.jwks());
    EXPECT_EQ(query("SELECT id FROM signing_keys").rows.size(), 1u);
}

TEST_P(RunnerTokensTest, ConcurrentFirstUsesMakeOneKey) {
    RunnerTokens a(*db_, keyring_);
    RunnerTokens b(*db_, keyring_);
    std::string kid_a, kid_b;
    std::thread ta([&] { kid_a = header_of(a.issue("s", "proj", "").token)["kid"]; });
    std::thread tb([&] { kid_b = header_of(b.issue("s", "proj", "").token)["kid"]; });
    ta.join();
    tb.join();
    EXPECT_EQ(kid_a, kid_b);
    EXPECT_EQ(query("SELECT id FROM signing_keys").rows.size(), 1u);
}

TEST_P(RunnerTokensTest, TheOldestLiveKeySignsAndRetiredKeysAreGone) {
    RunnerTokens first(*db_, keyring_);
    const auto old_token = first.issue("s", "proj", "").token;
    const auto old_kid = header_of(old_token)["kid"].get<std::string>();
    // A newer key appears (e.g. another replica's): the older one still signs, both verify.
    const auto newer = jwt::generate_key(jwt::Algorithm::ES256);
    const auto newer_kid = new_ksuid();
    query("INSERT INTO signing_keys (id, created_at, algorithm, private_key, public_jwk) VALUES (?, ?, ?, ?, ?)",
          {newer_kid, format_rfc3339(std::chrono::system_clock::now() + 1h), std::string("ES256"),
           keyring_.seal(newer_kid, "unused"), jwt::public_jwk(newer.get(), jwt::Algorithm::ES256, newer_kid).dump()});
    RunnerTokens second(*db_, keyring_);
    EXPECT_EQ(header_of(second.issue("s", "proj", "").token)["kid"], old_kid);
    EXPECT_EQ(second.jwks()["keys"].size(), 2u);
    EXPECT_NO_THROW(second.verify(jwt::sign(claims_for("s"), newer.get(), jwt::Algorithm::ES256, newer_kid)));

    // A key that is retired verifies nothing.
    query("UPDATE signing_keys SET retired_at = ? WHERE id = ?", {now_rfc3339(), old_kid});
    RunnerTokens third(*db_, keyring_);
    EXPECT_THROW(third.verify(old_token), jwt::JwtError);
    EXPECT_EQ(third.jwks()["keys"].size(), 1u);
}

TEST_P(RunnerTokensTest, AKeyMadeByAnotherInstanceAfterLoadingIsPickedUp) {
    RunnerTokens verifier(*db_, keyring_);
    EXPECT_THROW(verifier.verify(jwt::sign(claims_for("s"), jwt::generate_key(jwt::Algorithm::ES256).get(),
                                           jwt::Algorithm::ES256, "k")),
                 jwt::JwtError);  // loads: no keys yet
    RunnerTokens issuer(*db_, keyring_);
    const auto token = issuer.issue("s", "proj", "").token;
    std::this_thread::sleep_for(5100ms);  // the reload interval after an unknown kid
    EXPECT_EQ(verifier.verify(token).session_id, "s");
}

TEST_P(RunnerTokensTest, SessionLiveReadsThePhaseEveryTime) {
    RunnerTokens tokens(*db_, keyring_);
    const auto id = new_ksuid();
    insert_session(id, "proj", "Pending");
    EXPECT_TRUE(tokens.session_live(id, "proj", kRun));
    EXPECT_FALSE(tokens.session_live(id, "other-project", kRun));
    for (const char* phase : {"Creating", "Running"}) {
        query("UPDATE sessions SET phase = ? WHERE id = ?", {std::string(phase), id});
        EXPECT_TRUE(tokens.session_live(id, "proj", kRun)) << phase;
    }
    for (const char* phase : {"Stopping", "Stopped", "Completed", "Failed", ""}) {
        query("UPDATE sessions SET phase = ? WHERE id = ?", {std::string(phase), id});
        EXPECT_FALSE(tokens.session_live(id, "proj", kRun)) << phase;
    }
    const auto deleted = new_ksuid();
    insert_session(deleted, "proj", "Running", true);
    EXPECT_FALSE(tokens.session_live(deleted, "proj", kRun));
    EXPECT_FALSE(tokens.session_live("no-such-session", "proj", kRun));
    const auto never_started = new_ksuid();
    insert_session(never_started, "proj", nullptr);
    EXPECT_FALSE(tokens.session_live(never_started, "proj", kRun));
}

TEST_P(RunnerTokensTest, SessionLiveNeedsTheSessionsCurrentRun) {
    RunnerTokens tokens(*db_, keyring_);
    const auto id = new_ksuid();
    insert_session(id, "proj", "Running");
    EXPECT_FALSE(tokens.session_live(id, "proj", "2anEarlierRunOfTheSession01"));
    EXPECT_FALSE(tokens.session_live(id, "proj"));
    // A retired run (no run id) matches no token, not even one that names no run.
    query("UPDATE sessions SET run_id = NULL WHERE id = ?", {id});
    EXPECT_FALSE(tokens.session_live(id, "proj"));
    EXPECT_FALSE(tokens.session_live(id, "proj", kRun));
}

TEST_P(RunnerTokensTest, OnlyRunnerLookingTokensAreRoutedToRunnerVerification) {
    RunnerTokens tokens(*db_, keyring_);
    const auto issued = tokens.issue("s", "proj", "");
    EXPECT_TRUE(tokens.is_runner_token(issued.token));
    const auto user_key = jwt::generate_key(jwt::Algorithm::ES256);
    json user = {{"sub", "ada"}, {"aud", "ambient-api"}, {"exp", now_seconds() + 60}};
    EXPECT_FALSE(tokens.is_runner_token(jwt::sign(user, user_key.get(), jwt::Algorithm::ES256, "idp-key")));
    user["aud"] = json::array({"ambient-api", "ambient-runner"});
    EXPECT_TRUE(tokens.is_runner_token(jwt::sign(user, user_key.get(), jwt::Algorithm::ES256, "idp-key")));
    // Our kid alone is enough (whatever the payload says; verification then decides).
    const auto kid = header_of(issued.token)["kid"].get<std::string>();
    EXPECT_TRUE(tokens.is_runner_token(jwt::sign({{"aud", "x"}}, user_key.get(), jwt::Algorithm::ES256, kid)));
    EXPECT_FALSE(tokens.is_runner_token("not-a-jwt"));
    EXPECT_FALSE(tokens.is_runner_token("a.b.c"));
}

TEST_P(RunnerTokensTest, WithoutAKeyringNothingIsIssued) {
    credentials::Keyring none;
    RunnerTokens tokens(*db_, none);
    EXPECT_THROW(tokens.issue("s", "proj", ""), credentials::KeyringError);
    EXPECT_TRUE(query("SELECT id FROM signing_keys").rows.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, RunnerTokensTest, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

TEST(RunnerTokenTtl, SecondsOrANumberWithAUnit) {
    EXPECT_EQ(parse_runner_token_ttl("900"), std::chrono::seconds(900));
    EXPECT_EQ(parse_runner_token_ttl("900s"), std::chrono::seconds(900));
    EXPECT_EQ(parse_runner_token_ttl("15m"), std::chrono::seconds(900));
    EXPECT_EQ(parse_runner_token_ttl("1h"), std::chrono::seconds(3600));
    EXPECT_EQ(parse_runner_token_ttl("24h"), std::chrono::seconds(86400));
    for (const char* bad : {"", "0", "-5", "15x", "m", "25h", "1441m", "86401", " 15m", "15 m", "1.5h"}) {
        EXPECT_EQ(parse_runner_token_ttl(bad), std::nullopt) << bad;
    }
}

}  // namespace
}  // namespace ambient::api
