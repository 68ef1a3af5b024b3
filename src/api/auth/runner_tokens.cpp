#include "api/auth/runner_tokens.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include <unordered_set>

#include "common/duration.hpp"
#include "common/jwt/base64url.hpp"
#include "common/jwt/jwt.hpp"
#include "common/ksuid.hpp"
#include "common/time.hpp"

namespace ambient::api {

using nlohmann::json;

struct RunnerTokens::Keys {
    std::string signing_kid;  // empty: no key yet
    jwt::Algorithm signing_alg = jwt::Algorithm::ES256;
    jwt::PkeyPtr signing_key;  // null when the keyring cannot open it (see signing_error)
    std::string signing_error;
    jwt::Jwks verify_keys;
    std::unordered_set<std::string> kids;
    json jwks = {{"keys", json::array()}};
};

namespace {

// Key generation is serialised across PostgreSQL replicas with this advisory lock (SQLite
// serialises writers already).
constexpr std::int64_t kSigningKeyLock = 0x72756e6e6572;  // "runner"
constexpr const char* kKeyAlgorithm = "ES256";

// A string that is wiped when it goes away: private key PEM.
struct SecretString {
    std::string text;
    SecretString() = default;
    explicit SecretString(std::string t) : text(std::move(t)) {}
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    ~SecretString() {
        if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
    }
};

struct BioDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

SecretString private_key_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        throw jwt::JwtError("cannot encode the runner signing key");
    }
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    if (len <= 0 || data == nullptr) throw jwt::JwtError("cannot encode the runner signing key");
    return SecretString(std::string(data, static_cast<std::size_t>(len)));
}

jwt::PkeyPtr read_private_key(const SecretString& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.text.data(), static_cast<int>(pem.text.size())));
    if (!bio) throw jwt::JwtError("cannot read the runner signing key");
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) throw jwt::JwtError("the runner signing key is not a PKCS#8 PEM private key");
    return jwt::PkeyPtr(key);
}

std::int64_t epoch_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string string_claim(const json& claims, const char* name) {
    auto it = claims.find(name);
    if (it == claims.end() || it->is_null()) return {};
    if (!it->is_string()) throw jwt::JwtError(std::string("runner token claim '") + name + "' is not a string");
    return it->get<std::string>();
}

// Generates and stores a key unless a live one exists; one generator at a time.
void ensure_signing_key(store::ConnectionLease& lease, const credentials::Keyring& keyring) {
    store::Transaction tx(lease, store::TxMode::Write);
    auto& conn = *lease;
    if (conn.dialect() == store::Dialect::Postgres) conn.exec("SELECT pg_advisory_xact_lock(?)", {kSigningKeyLock});
    if (!conn.exec("SELECT id FROM signing_keys WHERE retired_at IS NULL LIMIT 1").rows.empty()) return;
    const auto kid = new_ksuid();
    auto key = jwt::generate_key(jwt::Algorithm::ES256);
    const auto pem = private_key_pem(key.get());
    const auto sealed = keyring.seal(kid, pem.text);
    const auto jwk = jwt::public_jwk(key.get(), jwt::Algorithm::ES256, kid);
    conn.exec("INSERT INTO signing_keys (id, created_at, algorithm, private_key, public_jwk) VALUES (?, ?, ?, ?, ?)",
              {kid, now_rfc3339(), std::string(kKeyAlgorithm), sealed, jwk.dump()});
    tx.commit();
    spdlog::info("generated runner token signing key {} ({})", kid, kKeyAlgorithm);
}

}  // namespace

RunnerTokens::RunnerTokens(store::Database& db, const credentials::Keyring& keyring, std::chrono::seconds ttl,
                           std::chrono::seconds leeway)
    : db_(db), keyring_(keyring), ttl_(ttl), leeway_(leeway) {}

RunnerTokens::~RunnerTokens() = default;

std::shared_ptr<const RunnerTokens::Keys> RunnerTokens::load(bool create_if_missing) {
    auto lease = db_.acquire();
    constexpr const char* kSelect =
        "SELECT id, algorithm, private_key, public_jwk FROM signing_keys WHERE retired_at IS NULL "
        "ORDER BY created_at, id";
    auto rs = lease->exec(kSelect);
    if (rs.rows.empty() && create_if_missing) {
        ensure_signing_key(lease, keyring_);
        // Re-select: when two replicas raced, both now use the oldest row.
        rs = lease->exec(kSelect);
    }
    auto keys = std::make_shared<Keys>();
    json public_keys = json::array();
    for (const auto& row : rs.rows) {
        auto jwk = json::parse(store::text_of(row[3]), nullptr, false);
        if (jwk.is_discarded() || !jwk.is_object()) {
            spdlog::warn("runner token signing key {} has an unreadable public JWK; skipped", store::text_of(row[0]));
            continue;
        }
        jwk["kid"] = store::text_of(row[0]);
        public_keys.push_back(jwk);
        keys->kids.insert(store::text_of(row[0]));
    }
    keys->verify_keys = jwt::Jwks::parse(json{{"keys", public_keys}}.dump());
    keys->jwks = json{{"keys", public_keys}};
    if (!rs.rows.empty()) {
        const auto& first = rs.rows.front();
        keys->signing_kid = store::text_of(first[0]);
        try {
            keys->signing_alg = jwt::parse_algorithm(store::text_of(first[1]));
            const SecretString pem(keyring_.open(keys->signing_kid, store::text_of(first[2])));
            keys->signing_key = read_private_key(pem);
        } catch (const std::exception& e) {
            // Verification still works; issuing says why it cannot.
            keys->signing_error = e.what();
            spdlog::error("runner token signing key {} cannot be used: {}", keys->signing_kid, e.what());
        }
        // The sealed private key text of the row goes with rs; wipe it.
        for (auto& row : rs.rows) {
            if (auto* s = std::get_if<std::string>(&row[2]); s != nullptr && !s->empty()) {
                OPENSSL_cleanse(s->data(), s->size());
            }
        }
    }
    return keys;
}

std::shared_ptr<const RunnerTokens::Keys> RunnerTokens::keys() {
    std::lock_guard lock(mutex_);
    return keys_;
}

std::shared_ptr<const RunnerTokens::Keys> RunnerTokens::reload_for_unknown_key() {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (keys_ && now - last_reload_ < kReloadInterval) return nullptr;
    keys_ = load(false);
    last_reload_ = now;
    return keys_;
}

std::shared_ptr<const RunnerTokens::Keys> RunnerTokens::signing_keys() {
    std::shared_ptr<const Keys> k;
    {
        std::lock_guard lock(mutex_);
        if (!keys_ || keys_->signing_kid.empty()) {
            keys_ = load(true);
            last_reload_ = std::chrono::steady_clock::now();
        }
        k = keys_;
    }
    if (!k->signing_key) {
        throw jwt::JwtError("runner token signing key " + k->signing_kid + " cannot be used: " + k->signing_error);
    }
    return k;
}

RunnerTokens::Issued RunnerTokens::issue(const std::string& session_id, const std::string& project_id,
                                         const std::string& agent_id, const std::string& run_id) {
    const auto k = signing_keys();
    const auto now = std::chrono::system_clock::now();
    const auto iat = epoch_seconds(now);
    const auto exp = iat + ttl_.count();
    json claims = {{"iss", kIssuer},
                   {"aud", kAudience},
                   {"sub", kSubjectPrefix + session_id},
                   {"session_id", session_id},
                   {"project_id", project_id},
                   {"iat", iat},
                   {"exp", exp}};
    if (!agent_id.empty()) claims["agent_id"] = agent_id;
    if (!run_id.empty()) claims["run_id"] = run_id;
    return {jwt::sign(claims, k->signing_key.get(), k->signing_alg, k->signing_kid),
            format_rfc3339(std::chrono::system_clock::time_point{std::chrono::seconds{exp}})};
}

std::string RunnerTokens::issue_proxy_token(const std::string& session_id, const std::string& project_id) {
    const auto k = signing_keys();
    const auto iat = epoch_seconds(std::chrono::system_clock::now());
    const json claims = {{"iss", kIssuer},
                         {"aud", kProxyAudience},
                         {"sub", "ambient-api-server"},
                         {"session_id", session_id},
                         {"project_id", project_id},
                         {"iat", iat},
                         {"exp", iat + kProxyTtl.count()}};
    return jwt::sign(claims, k->signing_key.get(), k->signing_alg, k->signing_kid);
}

Principal RunnerTokens::verify(std::string_view token, std::chrono::system_clock::time_point now) {
    jwt::VerifyOptions options;
    options.now = now;
    options.leeway = leeway_;
    options.issuer = kIssuer;
    options.audience = kAudience;
    auto k = keys();
    if (!k) k = reload_for_unknown_key();
    jwt::VerifiedToken verified;
    try {
        verified = jwt::verify(token, k->verify_keys, options);
    } catch (const jwt::UnknownKeyError&) {
        // Another replica may have made a key this process hasn't loaded yet.
        auto reloaded = reload_for_unknown_key();
        if (!reloaded) throw;
        verified = jwt::verify(token, reloaded->verify_keys, options);
    }
    const auto& claims = verified.claims;
    Principal p;
    p.kind = Principal::Kind::Runner;
    p.session_id = string_claim(claims, "session_id");
    p.project_id = string_claim(claims, "project_id");
    p.agent_id = string_claim(claims, "agent_id");
    p.run_id = string_claim(claims, "run_id");
    if (p.session_id.empty()) throw jwt::JwtError("runner token has no session_id");
    if (p.project_id.empty()) throw jwt::JwtError("runner token has no project_id");
    p.username = kSubjectPrefix + p.session_id;
    if (string_claim(claims, "sub") != p.username) throw jwt::JwtError("runner token subject does not match session");
    p.name = p.username;
    if (auto exp = claims.find("exp"); exp != claims.end() && exp->is_number_integer()) {
        p.expires_at = std::chrono::system_clock::time_point{std::chrono::seconds{exp->get<std::int64_t>()}} + leeway_;
    }
    return p;
}

bool RunnerTokens::session_live(const std::string& session_id, const std::string& project_id,
                                const std::string& run_id) {
    auto lease = db_.acquire();
    const auto rs = lease->exec(
        "SELECT project_id, run_id FROM sessions WHERE id = ? AND deleted_at IS NULL "
        "AND phase IN ('Pending', 'Creating', 'Running')",
        {session_id});
    // A retired run's id is gone (NULL): no token matches it, not even one without a run_id.
    return !rs.rows.empty() && store::text_of(rs.rows.front()[0]) == project_id && !run_id.empty() &&
           store::text_of(rs.rows.front()[1]) == run_id;
}

bool RunnerTokens::is_runner_token(std::string_view token) const {
    const auto first = token.find('.');
    if (first == std::string_view::npos) return false;
    const auto second = token.find('.', first + 1);
    if (second == std::string_view::npos) return false;
    auto decode = [](std::string_view part) {
        const auto bytes = jwt::base64url_decode(part);
        if (!bytes) return json();
        auto doc = json::parse(*bytes, nullptr, false);
        return doc.is_object() ? doc : json();
    };
    const auto header = decode(token.substr(0, first));
    if (auto it = header.find("kid"); header.is_object() && it != header.end() && it->is_string()) {
        std::lock_guard lock(mutex_);
        if (keys_ && keys_->kids.contains(it->get<std::string>())) return true;
    }
    const auto claims = decode(token.substr(first + 1, second - first - 1));
    if (!claims.is_object()) return false;
    auto aud = claims.find("aud");
    if (aud == claims.end()) return false;
    if (aud->is_string()) return aud->get<std::string>() == kAudience;
    if (aud->is_array()) {
        for (const auto& a : *aud) {
            if (a.is_string() && a.get<std::string>() == kAudience) return true;
        }
    }
    return false;
}

json RunnerTokens::jwks() {
    std::lock_guard lock(mutex_);
    if (!keys_ || keys_->signing_kid.empty()) {
        keys_ = load(true);
        last_reload_ = std::chrono::steady_clock::now();
    }
    return keys_->jwks;
}

std::optional<std::chrono::seconds> parse_runner_token_ttl(std::string_view text) {
    const auto ttl = parse_duration(text, std::chrono::hours(24));
    if (!ttl || ttl->count() == 0) return std::nullopt;
    return ttl;
}

}  // namespace ambient::api
