#pragma once
// The keys that encrypt credential tokens at rest, in upstream's format so that databases
// move between the two servers:
//
//   keyring  JSON {"<version>": "<standard base64 of 32 bytes>", ...}, versions 1, 2, ...
//   active   the version new values are sealed with (default: the highest)
//   sealed   enc:v<version>:<base64(nonce | ciphertext | tag)>, AES-256-GCM, and the
//            credential id as associated data so a value copied to another row won't open
//
// The keyring comes from CREDENTIAL_ENCRYPTION_KEYRING / CREDENTIAL_ENCRYPTION_KEY_VERSION,
// or, with neither set, from <data dir>/credential-keyring.json (same JSON, mode 0600),
// created with one random key on first use. Rotation: add a version, make it active, run
// `ambient-api-server encrypt-credentials`; then the old version may be removed.
#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ambient::api::credentials {

inline constexpr const char* kKeyringEnv = "CREDENTIAL_ENCRYPTION_KEYRING";
inline constexpr const char* kKeyVersionEnv = "CREDENTIAL_ENCRYPTION_KEY_VERSION";
inline constexpr const char* kKeyringFileName = "credential-keyring.json";
inline constexpr std::string_view kEnvelopePrefix = "enc:v";

// The configuration is unusable (bad JSON, a key that is not 32 bytes, the active version
// missing, ...). Startup stops with this message; it never contains key material.
class KeyringError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A stored value could not be opened. The message says why (unknown version, altered
// value, not an envelope, ...) and never contains any of the value.
class SealedValueError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Keyring {
public:
    // Empty: seal() and open() throw. For an App that never stores a token (tests).
    Keyring() = default;
    Keyring(Keyring&&) noexcept = default;
    Keyring& operator=(Keyring&&) noexcept = default;
    // One copy of the keys per process is enough.
    Keyring(const Keyring&) = delete;
    Keyring& operator=(const Keyring&) = delete;

    // Parses the keyring JSON; `active_version` is the text of the version setting
    // (nullopt or "": the highest version). Throws KeyringError.
    static Keyring parse(std::string_view json, std::optional<std::string_view> active_version = std::nullopt);

    bool empty() const { return keys_.empty(); }
    int active_version() const { return active_; }
    bool has_version(int version) const { return keys_.contains(version); }

    // enc:v<active>:..., bound to `credential_id`. Throws KeyringError when empty.
    std::string seal(std::string_view credential_id, std::string_view plaintext) const;
    // The plaintext of a value seal() made for this credential id. Throws SealedValueError.
    std::string open(std::string_view credential_id, std::string_view sealed) const;

private:
    struct Key {
        std::array<unsigned char, 32> bytes{};
        Key() = default;
        Key(const Key&) = delete;
        Key& operator=(const Key&) = delete;
        ~Key();
    };
    std::map<int, Key> keys_;
    int active_ = 0;
};

// The version of an envelope ("enc:v3:..." → 3); nullopt when `value` is not one.
std::optional<int> envelope_version(std::string_view value);

// Where a keyring came from, for the startup log.
enum class KeyringSource { Environment, KeyFile, NewKeyFile };

struct LoadedKeyring {
    Keyring keyring;
    KeyringSource source = KeyringSource::Environment;
    std::filesystem::path file;  // the key file, for KeyFile and NewKeyFile
};

// The settings that choose a keyring: the two environment variables' values.
struct KeyringSettings {
    std::optional<std::string> keyring_json;
    std::optional<std::string> active_version;
};
KeyringSettings keyring_settings_from_environment();

// The keyring the settings describe; without keyring_json, the key file in `data_dir`,
// created (0600, one random version-1 key) when absent. Throws KeyringError.
LoadedKeyring load_keyring(const KeyringSettings& settings, const std::filesystem::path& data_dir);

// load_keyring() with the environment's settings, logging where the keys came from (and
// loudly when it has just generated a key file). For main().
Keyring load_configured_keyring(const std::filesystem::path& data_dir);

}  // namespace ambient::api::credentials
