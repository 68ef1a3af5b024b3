#pragma once
// Maintenance over every stored credential token (live and deleted rows alike): the check
// `serve` runs at startup, and `ambient-api-server encrypt-credentials`.
#include <cstddef>
#include <map>
#include <ostream>
#include <set>

#include "api/credentials/keyring.hpp"
#include "api/store/database.hpp"

namespace ambient::api::credentials {

struct TokenCensus {
    std::size_t current = 0;             // sealed with the active version
    std::size_t older = 0;               // sealed with another version the keyring holds
    std::size_t plaintext = 0;           // not an envelope: left by upstream before it encrypted
    std::map<int, std::size_t> missing;  // sealed with a version the keyring lacks
    std::set<int> held;                  // the versions in use that the keyring holds
};

// Counts stored tokens by how they are stored (reads only their prefixes).
TokenCensus count_stored_tokens(store::Database& db, const Keyring& keyring);

// Startup check: throws KeyringError when stored tokens are sealed with versions the
// keyring lacks, or when a version's key opens none of a few of its tokens (a lost key
// file regenerated, a mistyped key): that must not go unnoticed until a runner fails.
// Logs a warning for plaintext values and tokens under older versions.
void check_stored_tokens(store::Database& db, const Keyring& keyring);

struct ReencryptResult {
    std::size_t examined = 0;        // rows with a token
    std::size_t current = 0;         // already sealed with the active version: unchanged
    std::size_t from_older = 0;      // sealed with an older version: re-sealed
    std::size_t from_plaintext = 0;  // plaintext: sealed
    std::size_t raced = 0;           // changed by someone else meanwhile: left as they wrote it
    std::size_t failed = 0;          // could not be opened: unchanged, logged by id
    std::size_t changed() const { return from_older + from_plaintext; }
};

// Seals every stored token with the active version, one transaction per row. With
// `dry_run`, counts what it would change and writes nothing.
ReencryptResult reencrypt_stored_tokens(store::Database& db, const Keyring& keyring, bool dry_run);

// The encrypt-credentials command: runs the above and prints a summary to `out`.
// Returns the process exit code (1 when some token could not be opened).
int encrypt_credentials_command(store::Database& db, const Keyring& keyring, bool dry_run, std::ostream& out);

}  // namespace ambient::api::credentials
