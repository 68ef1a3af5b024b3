// The credential keyring: configuration parsing, the generated key file, sealing and
// opening, and rotation.
#include "api/credentials/keyring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "support/server_process.hpp"

namespace ambient::api::credentials {
namespace {

// Keys are the standard base64 of 32 bytes: 0, 1, ..., 31 and 32, 33, ..., 63.
constexpr const char* kKey1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr const char* kKey2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
constexpr const char* kId = "2abcdefghijklmnopqrstuvwxyz";

std::string keyring_json(std::initializer_list<std::pair<int, const char*>> keys) {
    std::string out = "{";
    for (const auto& [version, key] : keys) {
        if (out.size() > 1) out += ",";
        out += "\"" + std::to_string(version) + "\":\"" + key + "\"";
    }
    return out + "}";
}

TEST(Keyring, ActiveVersionDefaultsToTheHighest) {
    auto keyring = Keyring::parse(keyring_json({{1, kKey1}, {3, kKey2}}));
    EXPECT_EQ(keyring.active_version(), 3);
    EXPECT_TRUE(keyring.has_version(1));
    EXPECT_FALSE(keyring.has_version(2));
    EXPECT_EQ(Keyring::parse(keyring_json({{1, kKey1}, {3, kKey2}}), "1").active_version(), 1);
    EXPECT_EQ(Keyring::parse(keyring_json({{1, kKey1}}), "").active_version(), 1);
}

TEST(Keyring, BadConfigurationsAreRefusedWithoutShowingKeys) {
    struct Case {
        std::string json;
        std::optional<std::string> version;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"not json", {}, "not a JSON object"},
        {"[]", {}, "not a JSON object"},
        {"{}", {}, "no keys"},
        {R"({"1":"c2hvcnQ="})", {}, "exactly 32 bytes"},
        {R"({"1":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"})", {}, "exactly 32 bytes"},       // no padding
        {R"({"1":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ=="})", {}, "exactly 32 bytes"},  // 34 bytes
        {R"({"1":"***"})", {}, "exactly 32 bytes"},
        {R"({"1":12})", {}, "exactly 32 bytes"},
        {keyring_json({{1, kKey1}}).replace(2, 1, "one"), {}, "positive integer"},
        {R"({"0":")" + std::string(kKey1) + "\"}", {}, "positive integer"},
        {R"({"-1":")" + std::string(kKey1) + "\"}", {}, "positive integer"},
        {R"({"1":")" + std::string(kKey1) + R"(","1":")" + kKey2 + "\"}", {}, "twice"},
        {R"({"1":")" + std::string(kKey1) + R"(","01":")" + kKey2 + "\"}", {}, "twice"},
        {keyring_json({{1, kKey1}}), "2", "names no key"},
        {keyring_json({{1, kKey1}}), "two", "positive integer"},
        {keyring_json({{1, kKey1}}), "0", "positive integer"},
    };
    for (const auto& c : cases) {
        try {
            Keyring::parse(c.json, c.version);
            ADD_FAILURE() << "accepted " << c.json;
        } catch (const KeyringError& e) {
            const std::string message = e.what();
            EXPECT_NE(message.find(c.says), std::string::npos) << c.json << ": " << message;
            EXPECT_EQ(message.find(kKey1), std::string::npos) << message;
            EXPECT_EQ(message.find(kKey2), std::string::npos) << message;
        }
    }
}

TEST(Keyring, SealsAsAnEnvelopeThatOpensOnlyForItsId) {
    const auto keyring = Keyring::parse(keyring_json({{1, kKey1}, {2, kKey2}}));
    const auto sealed = keyring.seal(kId, "ghp_secret");
    EXPECT_EQ(sealed.rfind("enc:v2:", 0), 0u) << sealed;
    EXPECT_EQ(sealed.find("ghp_secret"), std::string::npos);
    EXPECT_EQ(envelope_version(sealed), 2);
    EXPECT_NE(keyring.seal(kId, "ghp_secret"), sealed);
    EXPECT_EQ(keyring.open(kId, sealed), "ghp_secret");
    EXPECT_THROW(keyring.open("another-credential-id-00000", sealed), SealedValueError);
    EXPECT_EQ(keyring.open(kId, keyring.seal(kId, "")), "");
    const std::string big(64 * 1024, 'k');  // a kubeconfig is this large
    EXPECT_EQ(keyring.open(kId, keyring.seal(kId, big)), big);
}

TEST(Keyring, OpensAValueSealedByAnotherImplementation) {
    // Written by Python's cryptography AESGCM with a zero nonce, in upstream's layout.
    const auto keyring = Keyring::parse(keyring_json({{1, kKey1}}));
    EXPECT_EQ(keyring.open(kId, "enc:v1:AAAAAAAAAAAAAAAAadTFgcBc8Ml6zchYyjUdGekzYhvKKf2Rv1gQ8w=="), "ghp_upstream");
}

TEST(Keyring, RefusesWhatItCannotOpen) {
    const auto keyring = Keyring::parse(keyring_json({{1, kKey1}}));
    const auto sealed = keyring.seal(kId, "ghp_secret");
    auto flipped = sealed;
    flipped[sealed.size() / 2] = flipped[sealed.size() / 2] == 'A' ? 'B' : 'A';
    const std::vector<std::string> bad = {
        "ghp_plaintext",               // not an envelope
        "enc:v9:" + sealed.substr(7),  // unknown version
        "enc:vx:" + sealed.substr(7),  // not a version
        "enc:v1:" + sealed.substr(8),  // not base64 any more
        "enc:v1:AAAA",                 // too short
        "enc:v1:",
        flipped,
        sealed.substr(0, sealed.size() - 4),
    };
    for (const auto& value : bad) {
        try {
            const auto opened = keyring.open(kId, value);
            ADD_FAILURE() << "opened " << value << " as " << opened;
        } catch (const SealedValueError& e) {
            EXPECT_EQ(std::string(e.what()).find(value), std::string::npos);
        }
    }
    EXPECT_THROW(Keyring().seal(kId, "x"), KeyringError);
    EXPECT_THROW(Keyring().open(kId, sealed), SealedValueError);
}

TEST(Keyring, ValuesSealedBeforeARotationStillOpen) {
    const auto v1 = Keyring::parse(keyring_json({{1, kKey1}}));
    const auto old = v1.seal(kId, "ghp_old");
    const auto rotated = Keyring::parse(keyring_json({{1, kKey1}, {2, kKey2}}));
    EXPECT_EQ(rotated.active_version(), 2);
    EXPECT_EQ(rotated.open(kId, old), "ghp_old");
    EXPECT_EQ(envelope_version(rotated.seal(kId, "ghp_new")), 2);
    // With version 1 retired, its values no longer open.
    EXPECT_THROW(Keyring::parse(keyring_json({{2, kKey2}})).open(kId, old), SealedValueError);
}

TEST(Keyring, EnvelopeVersions) {
    EXPECT_EQ(envelope_version("enc:v1:abc"), 1);
    EXPECT_EQ(envelope_version("enc:v42:"), 42);
    EXPECT_EQ(envelope_version("enc:v0:abc"), std::nullopt);
    EXPECT_EQ(envelope_version("enc:v:abc"), std::nullopt);
    EXPECT_EQ(envelope_version("enc:v1abc"), std::nullopt);
    EXPECT_EQ(envelope_version("ENC:v1:abc"), std::nullopt);
    EXPECT_EQ(envelope_version("ghp_x"), std::nullopt);
}

class KeyringEnvironment : public ::testing::Test {
protected:
    void SetUp() override { clear(); }
    void TearDown() override { clear(); }
    static void clear() {
        ::unsetenv(kKeyringEnv);
        ::unsetenv(kKeyVersionEnv);
    }
    testing::TempDir dir_;
};

TEST_F(KeyringEnvironment, SettingsComeFromTheEnvironment) {
    EXPECT_FALSE(keyring_settings_from_environment().keyring_json);
    EXPECT_FALSE(keyring_settings_from_environment().active_version);
    ::setenv(kKeyringEnv, keyring_json({{1, kKey1}, {2, kKey2}}).c_str(), 1);
    ::setenv(kKeyVersionEnv, "1", 1);
    const auto loaded = load_keyring(keyring_settings_from_environment(), dir_.path());
    EXPECT_EQ(loaded.source, KeyringSource::Environment);
    EXPECT_EQ(loaded.keyring.active_version(), 1);
    // No key file when the environment configures the keys.
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / kKeyringFileName));

    ::setenv(kKeyVersionEnv, "3", 1);
    try {
        load_keyring(keyring_settings_from_environment(), dir_.path());
        ADD_FAILURE() << "accepted an absent active version";
    } catch (const KeyringError& e) {
        EXPECT_NE(std::string(e.what()).find(kKeyringEnv), std::string::npos) << e.what();
    }
    ::setenv(kKeyringEnv, "", 1);  // empty counts as unset
    EXPECT_FALSE(keyring_settings_from_environment().keyring_json);
}

TEST_F(KeyringEnvironment, FirstLoadCreatesAPrivateKeyFileThatLaterLoadsReuse) {
    const auto data_dir = dir_.path() / "data";  // created on demand
    const auto first = load_keyring({}, data_dir);
    EXPECT_EQ(first.source, KeyringSource::NewKeyFile);
    EXPECT_EQ(first.file, data_dir / kKeyringFileName);
    EXPECT_EQ(first.keyring.active_version(), 1);
    struct stat st {};
    ASSERT_EQ(::stat(first.file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
    // Nothing else is left in the directory (no temporary file).
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(data_dir), std::filesystem::directory_iterator()), 1);

    const auto sealed = first.keyring.seal(kId, "ghp_kept");
    const auto second = load_keyring({}, data_dir);
    EXPECT_EQ(second.source, KeyringSource::KeyFile);
    EXPECT_EQ(second.keyring.open(kId, sealed), "ghp_kept");

    // Same format as the environment variable.
    std::ifstream in(first.file);
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(Keyring::parse(content).open(kId, sealed), "ghp_kept");
}

TEST_F(KeyringEnvironment, TheKeyFileFollowsTheActiveVersionSetting) {
    load_keyring({}, dir_.path());
    EXPECT_THROW(load_keyring({.active_version = "2"}, dir_.path()), KeyringError);
    EXPECT_EQ(load_keyring({.active_version = "1"}, dir_.path()).keyring.active_version(), 1);
}

TEST_F(KeyringEnvironment, ABrokenKeyFileStopsLoading) {
    {
        std::ofstream out(dir_.path() / kKeyringFileName);
        out << R"({"1":"too-short"})";
    }
    try {
        load_keyring({}, dir_.path());
        ADD_FAILURE() << "accepted a broken key file";
    } catch (const KeyringError& e) {
        EXPECT_NE(std::string(e.what()).find(kKeyringFileName), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace ambient::api::credentials
