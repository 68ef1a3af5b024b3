#include "api/credentials/keyring.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "common/crypto/aes_gcm.hpp"
#include "common/crypto/base64.hpp"

namespace ambient::api::credentials {
namespace {

using nlohmann::json;

// Overwrites a string that held key material before it is freed.
void cleanse(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

// A positive decimal version number of at most 9 digits; nullopt otherwise.
std::optional<int> parse_version(std::string_view text) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

std::string list_versions(const std::set<int>& versions) {
    std::string out;
    for (int v : versions)
        out += (out.empty() ? "" : ", ") + std::to_string(v);
    return out;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw KeyringError("cannot read the credential key file " + path.string());
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

void warn_if_readable_by_others(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        spdlog::warn("credential key file {} is readable by group or others (mode {:o}); it should be 0600",
                     path.string(), st.st_mode & 0777);
    }
}

// Writes `content` to `path` only if nothing is there yet, all at once: the key file is
// written to a private temporary file first and linked into place, so a second server
// starting on the same data directory reads either nothing or the whole file, and never
// replaces a key already in use. Returns false when `path` already existed.
bool create_exclusively(const std::filesystem::path& path, const std::string& content) {
    const auto temp = path.string() + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw KeyringError("cannot create the credential key file in " + path.parent_path().string());
    const bool written = ::fchmod(fd, 0600) == 0 &&
                         ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
                         ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
        ::unlink(temp.c_str());
        throw KeyringError("cannot write the credential key file " + path.string());
    }
    const int linked = ::link(temp.c_str(), path.c_str());
    const int link_errno = errno;
    ::unlink(temp.c_str());
    if (linked != 0) {
        if (link_errno == EEXIST) return false;
        throw KeyringError("cannot create the credential key file " + path.string());
    }
    // Make the new directory entry durable too.
    if (const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return true;
}

std::string new_keyring_json() {
    std::string key(crypto::kAes256KeySize, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
        throw KeyringError("cannot generate a credential encryption key: RAND_bytes failed");
    }
    std::string encoded = crypto::base64_encode(key);
    cleanse(key);
    std::string content = "{\"1\":\"" + encoded + "\"}\n";
    cleanse(encoded);
    return content;
}

}  // namespace

Keyring::Key::~Key() {
    OPENSSL_cleanse(bytes.data(), bytes.size());
}

Keyring Keyring::parse(std::string_view text, std::optional<std::string_view> active_version) {
    // nlohmann keeps the last of repeated keys; the callback sees every one.
    std::set<std::string> names;
    bool repeated = false;
    auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::key && depth == 1)
            repeated |= !names.insert(parsed.get<std::string>()).second;
        return true;
    };
    json doc = json::parse(text.begin(), text.end(), on_event, /*allow_exceptions=*/false);
    // Whatever happens below, the base64 key text in `doc` is wiped before it is freed.
    struct Wipe {
        json& doc;
        ~Wipe() {
            if (!doc.is_object()) return;
            for (auto& [name, value] : doc.items()) {
                if (value.is_string()) cleanse(value.get_ref<std::string&>());
            }
        }
    } wipe{doc};

    if (doc.is_discarded() || !doc.is_object()) {
        throw KeyringError("the credential keyring is not a JSON object like {\"1\":\"<base64 of 32 bytes>\"}");
    }
    if (doc.empty()) throw KeyringError("the credential keyring holds no keys");
    if (repeated) throw KeyringError("the credential keyring names a key version twice");

    Keyring keyring;
    std::set<int> versions;
    for (auto& [name, value] : doc.items()) {
        const auto version = parse_version(name);
        if (!version) {
            // The name is not echoed: it may be a key pasted in the wrong place.
            throw KeyringError("credential keyring: a key version is not a positive integer");
        }
        if (!versions.insert(*version).second) {
            throw KeyringError("the credential keyring names key version " + std::to_string(*version) + " twice");
        }
        std::optional<std::string> bytes;
        if (value.is_string()) bytes = crypto::base64_decode(value.get_ref<const std::string&>());
        const bool ok = bytes && bytes->size() == crypto::kAes256KeySize;
        if (ok) {
            auto& key = keyring.keys_[*version];
            std::copy(bytes->begin(), bytes->end(), key.bytes.begin());
        }
        if (bytes) cleanse(*bytes);
        if (!ok) {
            throw KeyringError("credential keyring: key version " + std::to_string(*version) +
                               " is not the standard base64 of exactly 32 bytes");
        }
    }

    if (active_version && !active_version->empty()) {
        const auto active = parse_version(*active_version);
        if (!active) {
            throw KeyringError(std::string(kKeyVersionEnv) + " must be a positive integer");
        }
        if (!versions.contains(*active)) {
            throw KeyringError(std::string(kKeyVersionEnv) + "=" + std::to_string(*active) +
                               " names no key in the credential keyring (versions: " + list_versions(versions) + ")");
        }
        keyring.active_ = *active;
    } else {
        keyring.active_ = *versions.rbegin();
    }
    return keyring;
}

std::string Keyring::seal(std::string_view credential_id, std::string_view plaintext) const {
    const auto it = keys_.find(active_);
    if (it == keys_.end()) throw KeyringError("no credential encryption key is configured");
    const auto sealed = crypto::aes256_gcm_seal(it->second.bytes, plaintext, credential_id);
    return std::string(kEnvelopePrefix) + std::to_string(active_) + ":" + crypto::base64_encode(sealed);
}

std::string Keyring::open(std::string_view credential_id, std::string_view sealed) const {
    const auto version = envelope_version(sealed);
    if (!version) throw SealedValueError("the stored value is not an encrypted envelope (enc:v<N>:...)");
    const auto it = keys_.find(*version);
    if (it == keys_.end()) {
        throw SealedValueError("the value is encrypted with key version " + std::to_string(*version) +
                               ", which the keyring does not hold");
    }
    const auto payload = sealed.substr(sealed.find(':', kEnvelopePrefix.size()) + 1);
    const auto bytes = crypto::base64_decode(payload);
    if (!bytes) throw SealedValueError("the encrypted value is not valid base64");
    try {
        return crypto::aes256_gcm_open(it->second.bytes, *bytes, credential_id);
    } catch (const crypto::CryptoError& e) {
        throw SealedValueError(std::string("cannot decrypt the value: ") + e.what());
    }
}

std::optional<int> envelope_version(std::string_view value) {
    if (!value.starts_with(kEnvelopePrefix)) return std::nullopt;
    const auto colon = value.find(':', kEnvelopePrefix.size());
    if (colon == std::string_view::npos) return std::nullopt;
    return parse_version(value.substr(kEnvelopePrefix.size(), colon - kEnvelopePrefix.size()));
}

KeyringSettings keyring_settings_from_environment() {
    auto read = [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        if (value == nullptr || *value == '\0') return std::nullopt;
        return std::string(value);
    };
    return {read(kKeyringEnv), read(kKeyVersionEnv)};
}

LoadedKeyring load_keyring(const KeyringSettings& settings, const std::filesystem::path& data_dir) {
    LoadedKeyring loaded;
    if (settings.keyring_json) {
        try {
            loaded.keyring = Keyring::parse(*settings.keyring_json, settings.active_version);
        } catch (const KeyringError& e) {
            throw KeyringError(std::string(kKeyringEnv) + ": " + e.what());
        }
        loaded.source = KeyringSource::Environment;
        return loaded;
    }

    loaded.file = data_dir / kKeyringFileName;
    loaded.source = KeyringSource::KeyFile;
    if (!std::filesystem::exists(loaded.file)) {
        std::error_code ec;
        std::filesystem::create_directories(data_dir, ec);
        std::string content = new_keyring_json();
        const bool created = create_exclusively(loaded.file, content);
        cleanse(content);
        if (created) loaded.source = KeyringSource::NewKeyFile;
    }
    warn_if_readable_by_others(loaded.file);
    std::string content = read_file(loaded.file);
    try {
        loaded.keyring = Keyring::parse(content, settings.active_version);
    } catch (const KeyringError& e) {
        cleanse(content);
        throw KeyringError(loaded.file.string() + ": " + e.what());
    }
    cleanse(content);
    return loaded;
}

Keyring load_configured_keyring(const std::filesystem::path& data_dir) {
    auto loaded = load_keyring(keyring_settings_from_environment(), data_dir);
    const int active = loaded.keyring.active_version();
    switch (loaded.source) {
        case KeyringSource::Environment:
            spdlog::info("credential tokens: keys from {}, active version {}", kKeyringEnv, active);
            break;
        case KeyringSource::KeyFile:
            spdlog::info("credential tokens: keys from {}, active version {}", loaded.file.string(), active);
            break;
        case KeyringSource::NewKeyFile:
            spdlog::warn(
                "credential tokens: generated a new encryption key in {} (mode 0600, version 1). Back it up: "
                "stored tokens cannot be read without it. Servers sharing a database must share it, or set {}",
                loaded.file.string(), kKeyringEnv);
            break;
    }
    return std::move(loaded.keyring);
}

}  // namespace ambient::api::credentials
