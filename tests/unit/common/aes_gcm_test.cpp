// AES-256-GCM sealing: round trips, and every kind of mismatch fails instead of returning
// bytes.
#include "common/crypto/aes_gcm.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace ambient::crypto {
namespace {

std::string from_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}

std::array<unsigned char, kAes256KeySize> key_of(unsigned char first) {
    std::array<unsigned char, kAes256KeySize> key{};
    for (std::size_t i = 0; i < key.size(); ++i)
        key[i] = static_cast<unsigned char>(first + i);
    return key;
}

TEST(AesGcm, RoundTrip) {
    const auto key = key_of(1);
    for (const std::string& plaintext : {std::string(), std::string("ghp_abc"), std::string(1 << 20, 'k')}) {
        const auto sealed = aes256_gcm_seal(key, plaintext, "credential-id");
        EXPECT_EQ(sealed.size(), kGcmNonceSize + plaintext.size() + kGcmTagSize);
        EXPECT_EQ(aes256_gcm_open(key, sealed, "credential-id"), plaintext);
    }
}

TEST(AesGcm, SealingTwiceGivesDifferentBytes) {
    const auto key = key_of(1);
    EXPECT_NE(aes256_gcm_seal(key, "same", "id"), aes256_gcm_seal(key, "same", "id"));
}

TEST(AesGcm, WrongAssociatedDataFails) {
    const auto key = key_of(1);
    const auto sealed = aes256_gcm_seal(key, "secret", "row-1");
    EXPECT_THROW(aes256_gcm_open(key, sealed, "row-2"), CryptoError);
    EXPECT_THROW(aes256_gcm_open(key, sealed, ""), CryptoError);
}

TEST(AesGcm, AnyFlippedByteFails) {
    const auto key = key_of(1);
    const auto sealed = aes256_gcm_seal(key, "secret value", "id");
    // Nonce, ciphertext and tag alike.
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        auto altered = sealed;
        altered[i] = static_cast<char>(altered[i] ^ 0x01);
        EXPECT_THROW(aes256_gcm_open(key, altered, "id"), CryptoError) << "byte " << i;
    }
}

TEST(AesGcm, WrongKeyFails) {
    const auto sealed = aes256_gcm_seal(key_of(1), "secret", "id");
    EXPECT_THROW(aes256_gcm_open(key_of(2), sealed, "id"), CryptoError);
}

TEST(AesGcm, TruncatedOrExtendedFails) {
    const auto key = key_of(1);
    const auto sealed = aes256_gcm_seal(key, "secret", "id");
    EXPECT_THROW(aes256_gcm_open(key, sealed.substr(0, sealed.size() - 1), "id"), CryptoError);
    EXPECT_THROW(aes256_gcm_open(key, sealed + "x", "id"), CryptoError);
    EXPECT_THROW(aes256_gcm_open(key, sealed.substr(0, kGcmNonceSize + kGcmTagSize - 1), "id"), CryptoError);
    EXPECT_THROW(aes256_gcm_open(key, "", "id"), CryptoError);
}

// The GCM specification's test case 16 (AES-256, 96-bit IV, with associated data), laid
// out as nonce | ciphertext | tag: the layout Go's gcm.Seal(nonce, nonce, ...) writes.
TEST(AesGcm, OpensTheSpecificationsTestVector) {
    const auto key_bytes = from_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    std::array<unsigned char, kAes256KeySize> key{};
    std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
    const auto sealed = from_hex(
        "cafebabefacedbaddecaf888"
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a"
        "0a"
        "bcc9f662"
        "76fc6ece0f4e1768cddf8853bb2d551b");
    const auto aad = from_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    EXPECT_EQ(aes256_gcm_open(key, sealed, aad),
              from_hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b5"
                       "25b16aedf5aa0de657ba637b39"));
}

}  // namespace
}  // namespace ambient::crypto
