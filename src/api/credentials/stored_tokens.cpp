#include "api/credentials/stored_tokens.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <vector>

namespace ambient::api::credentials {
namespace {

// Enough of a value to read its envelope prefix ("enc:v<9 digits>:").
constexpr int kPrefixLength = 16;

std::string versions_text(const std::map<int, std::size_t>& versions) {
    std::string out;
    for (const auto& [version, count] : versions) {
        out += (out.empty() ? "" : ", ") + std::to_string(version) + " (" + std::to_string(count) + ")";
    }
    return out;
}

enum class Outcome { Current, FromOlder, FromPlaintext, Failed };

struct Reseal {
    Outcome outcome = Outcome::Failed;
    std::string value;  // the new value, for FromOlder and FromPlaintext
};

Reseal reseal(const Keyring& keyring, const std::string& id, const std::string& value) {
    const auto version = envelope_version(value);
    if (!version && value.starts_with(kEnvelopePrefix)) {
        spdlog::error("credential {}: the stored token looks like an envelope but is malformed; left unchanged", id);
        return {Outcome::Failed, {}};
    }
    if (!version) return {Outcome::FromPlaintext, keyring.seal(id, value)};
    try {
        std::string plaintext = keyring.open(id, value);
        Reseal result{Outcome::Current, {}};
        if (*version != keyring.active_version()) result = {Outcome::FromOlder, keyring.seal(id, plaintext)};
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        return result;
    } catch (const SealedValueError& e) {
        spdlog::error("credential {}: the stored token cannot be decrypted; left unchanged: {}", id, e.what());
        return {Outcome::Failed, {}};
    }
}

void count(ReencryptResult& result, Outcome outcome) {
    switch (outcome) {
        case Outcome::Current:
            ++result.current;
            break;
        case Outcome::FromOlder:
            ++result.from_older;
            break;
        case Outcome::FromPlaintext:
            ++result.from_plaintext;
            break;
        case Outcome::Failed:
            ++result.failed;
            break;
    }
}

}  // namespace

TokenCensus count_stored_tokens(store::Database& db, const Keyring& keyring) {
    auto lease = db.acquire();
    store::Transaction tx(lease, store::TxMode::Read);
    const auto rs = lease->exec("SELECT substr(token, 1, " + std::to_string(kPrefixLength) +
                                ") FROM credentials WHERE token IS NOT NULL AND token <> ''");
    tx.commit();
    TokenCensus census;
    for (const auto& cells : rs.rows) {
        const auto* prefix = std::get_if<std::string>(&cells[0]);
        const auto version = prefix != nullptr ? envelope_version(*prefix) : std::nullopt;
        if (!version) {
            ++census.plaintext;
        } else if (!keyring.has_version(*version)) {
            ++census.missing[*version];
        } else {
            ++(*version == keyring.active_version() ? census.current : census.older);
            census.held.insert(*version);
        }
    }
    return census;
}

namespace {

// True when the keyring opens at least one of a few tokens sealed with `version`: one
// altered row must not stop the server, a wrong key must.
bool key_opens_its_tokens(store::Database& db, const Keyring& keyring, int version) {
    constexpr int kSamples = 3;
    auto lease = db.acquire();
    store::Transaction tx(lease, store::TxMode::Read);
    const auto rs =
        lease->exec("SELECT id, token FROM credentials WHERE token LIKE ? ORDER BY id LIMIT ?",
                    {std::string(kEnvelopePrefix) + std::to_string(version) + ":%", std::int64_t{kSamples}});
    tx.commit();
    for (const auto& cells : rs.rows) {
        try {
            auto plaintext = keyring.open(std::get<std::string>(cells[0]), std::get<std::string>(cells[1]));
            OPENSSL_cleanse(plaintext.data(), plaintext.size());
            return true;
        } catch (const SealedValueError&) {
        }
    }
    return rs.rows.empty();
}

}  // namespace

void check_stored_tokens(store::Database& db, const Keyring& keyring) {
    const auto census = count_stored_tokens(db, keyring);
    if (!census.missing.empty()) {
        throw KeyringError("stored credential tokens are encrypted with key versions the keyring lacks: version " +
                           versions_text(census.missing) + ". Configure " + kKeyringEnv +
                           " (or the key file) with those keys; without them these tokens cannot be read");
    }
    for (int version : census.held) {
        if (!key_opens_its_tokens(db, keyring, version)) {
            throw KeyringError("the credential key for version " + std::to_string(version) +
                               " does not open the tokens stored with it: the keyring (or key file) is not the one "
                               "they were encrypted with");
        }
    }
    if (census.plaintext > 0) {
        spdlog::warn(
            "{} stored credential token(s) are plaintext (from an upstream database) and cannot be read "
            "until encrypted: run `ambient-api-server encrypt-credentials`",
            census.plaintext);
    }
    if (census.older > 0) {
        spdlog::info(
            "{} stored credential token(s) use an older key version; `ambient-api-server "
            "encrypt-credentials` re-encrypts them with version {}",
            census.older, keyring.active_version());
    }
}

ReencryptResult reencrypt_stored_tokens(store::Database& db, const Keyring& keyring, bool dry_run) {
    auto lease = db.acquire();
    std::vector<std::string> ids;
    {
        store::Transaction tx(lease, store::TxMode::Read);
        const auto rs = lease->exec("SELECT id FROM credentials WHERE token IS NOT NULL AND token <> '' ORDER BY id");
        tx.commit();
        for (const auto& cells : rs.rows)
            ids.push_back(std::get<std::string>(cells[0]));
    }

    ReencryptResult result;
    for (const auto& id : ids) {
        store::Transaction tx(lease, dry_run ? store::TxMode::Read : store::TxMode::Write);
        const auto rs = lease->exec("SELECT token FROM credentials WHERE id = ?", {id});
        const auto* value = rs.rows.empty() ? nullptr : std::get_if<std::string>(&rs.rows[0][0]);
        if (value == nullptr || value->empty()) continue;  // cleared meanwhile
        ++result.examined;
        auto resealed = reseal(keyring, id, *value);
        const bool changes = resealed.outcome == Outcome::FromOlder || resealed.outcome == Outcome::FromPlaintext;
        if (changes && !dry_run) {
            // Only if the value is still the one read: a token the server rotated meanwhile
            // is already sealed with the active key and must not be overwritten.
            const auto updated = lease->exec("UPDATE credentials SET token = ? WHERE id = ? AND token = ?",
                                             {resealed.value, id, *value});
            if (updated.affected_rows == 0) {
                ++result.raced;
                continue;
            }
        }
        count(result, resealed.outcome);
        tx.commit();
    }
    return result;
}

int encrypt_credentials_command(store::Database& db, const Keyring& keyring, bool dry_run, std::ostream& out) {
    const auto r = reencrypt_stored_tokens(db, keyring, dry_run);
    const char* verb = dry_run ? "would encrypt" : "encrypted";
    out << "encrypt-credentials" << (dry_run ? " (dry run, nothing written)" : "") << ": " << verb << " " << r.changed()
        << " of " << r.examined << " stored token(s) with key version " << keyring.active_version() << " ("
        << r.from_older << " from older versions, " << r.from_plaintext << " from plaintext); " << r.current
        << " already current";
    if (r.raced > 0) out << "; " << r.raced << " changed by the server meanwhile";
    if (r.failed > 0) out << "; " << r.failed << " could not be decrypted (see the log)";
    out << std::endl;
    return r.failed > 0 ? 1 : 0;
}

}  // namespace ambient::api::credentials
