#pragma once
// Runner tokens: short-lived JWTs the api-server signs for one session, so that the
// session's runner can call back (read its session, push its messages, fetch the tokens of
// the credentials granted to it) without holding a service token.
//
//   header  {"alg":"ES256","typ":"JWT","kid":<signing key id>}
//   claims  iss "ambient-api-server", aud "ambient-runner", sub "runner:<session id>",
//           session_id, project_id, agent_id (when the session has one), iat, exp
//
// The signing keys live in the `signing_keys` table (migration 14) so that every replica
// signs and verifies with the same keys: the private key as PKCS#8 PEM sealed with the
// credential keyring (the key id as associated data), the public key as a JWK. The oldest
// non-retired key signs; every non-retired key verifies and is published by jwks(). When
// there is none, the first use generates one (ES256, id a KSUID).
//
// A verified token is not enough to authenticate: the session must still be live
// (session_live(), read from the database on every request), so stopping or deleting a
// session revokes its tokens at once.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/auth/principal.hpp"
#include "api/credentials/keyring.hpp"
#include "api/store/database.hpp"
#include "common/jwt/jwks.hpp"

namespace ambient::api {

class RunnerTokens {
public:
    static constexpr const char* kIssuer = "ambient-api-server";
    static constexpr const char* kAudience = "ambient-runner";
    static constexpr const char* kSubjectPrefix = "runner:";
    static constexpr std::chrono::seconds kDefaultTtl{15 * 60};
    static constexpr const char* kProxyAudience = "ambient-runner-proxy";
    static constexpr std::chrono::seconds kProxyTtl{60};

    // `db` and `keyring` are owned by the caller and outlive this object. Nothing is read
    // until the first call that needs the keys.
    RunnerTokens(store::Database& db, const credentials::Keyring& keyring, std::chrono::seconds ttl = kDefaultTtl,
                 std::chrono::seconds leeway = std::chrono::seconds{30});
    ~RunnerTokens();
    RunnerTokens(const RunnerTokens&) = delete;
    RunnerTokens& operator=(const RunnerTokens&) = delete;

    struct Issued {
        std::string token;
        std::string expires_at;  // RFC 3339
    };
    // A token for the session, valid for the configured ttl. Throws jwt::JwtError,
    // credentials::KeyringError / SealedValueError (the signing key cannot be sealed or
    // opened) or store errors.
    // `run_id`: the session's current run (sessions.run_id, new at every start), so that a
    // token of an earlier run stays dead when the session is started again.
    Issued issue(const std::string& session_id, const std::string& project_id, const std::string& agent_id,
                 const std::string& run_id = {});

    // A token for one request of the API server to the session's runner (the events and
    // AG-UI proxies): aud "ambient-runner-proxy", claims session_id and project_id, exp
    // kProxyTtl after iat, signed with the same keys as runner tokens; the runner verifies
    // it against jwks(). verify() refuses it (audience), and the runner refuses runner tokens.
    // Throws like issue().
    std::string issue_proxy_token(const std::string& session_id, const std::string& project_id);

    // The runner principal of a token this server signed, or jwt::JwtError naming why not
    // (never containing the token). Does not check that the session is live.
    Principal verify(std::string_view token,
                     std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

    // True when the session exists, is not deleted, is in phase Pending, Creating or Running,
    // belongs to `project_id`, and its current run is `run_id` (non-empty): a run ends with
    // any move out of those phases, and only /start begins another. Queries the database on
    // every call.
    bool session_live(const std::string& session_id, const std::string& project_id, const std::string& run_id = {});

    // Whether a token looks like one of ours, without verifying it: its header's kid is one
    // of the loaded runner keys, or its aud is the runner audience. For routing a bearer token
    // to the right verifier only.
    bool is_runner_token(std::string_view token) const;

    // {"keys":[<public JWK of every non-retired key>]}
    nlohmann::json jwks();

    std::chrono::seconds ttl() const { return ttl_; }

private:
    struct Keys;
    // The keys with a usable signing key (loaded, or generated, on first use); throws when
    // the signing key cannot be used.
    std::shared_ptr<const Keys> signing_keys();
    std::shared_ptr<const Keys> keys();
    std::shared_ptr<const Keys> load(bool create_if_missing);
    // Reloads after a token named a key we don't hold (another replica's), at most once per
    // kReloadInterval, so unknown-kid tokens can't hammer the database.
    std::shared_ptr<const Keys> reload_for_unknown_key();

    store::Database& db_;
    const credentials::Keyring& keyring_;
    std::chrono::seconds ttl_;
    std::chrono::seconds leeway_;

    mutable std::mutex mutex_;
    std::shared_ptr<const Keys> keys_;  // null until first loaded
    std::chrono::steady_clock::time_point last_reload_{};
    static constexpr std::chrono::seconds kReloadInterval{5};
};

// A ttl given as seconds ("900"), or a number with a unit: "900s", "15m", "1h". nullopt
// when not a positive duration of at most 24 hours.
std::optional<std::chrono::seconds> parse_runner_token_ttl(std::string_view text);

}  // namespace ambient::api
