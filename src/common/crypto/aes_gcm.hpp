#pragma once
// AES-256-GCM through OpenSSL EVP. A sealed value is nonce (12 random bytes) | ciphertext |
// tag (16 bytes), the layout of Go's gcm.Seal(nonce, nonce, plaintext, aad), so values
// written by upstream's api-server open here and the reverse. The associated data is
// authenticated but not stored: opening with other associated data fails.
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ambient::crypto {

inline constexpr std::size_t kAes256KeySize = 32;
inline constexpr std::size_t kGcmNonceSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;

using AesKey = std::span<const unsigned char, kAes256KeySize>;

// Opening failed (wrong key, wrong associated data, changed or truncated bytes), or
// OpenSSL itself failed. The message names the cause, never any of the bytes.
class CryptoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Encrypts with a fresh random nonce: sealing the same plaintext twice gives different bytes.
std::string aes256_gcm_seal(AesKey key, std::string_view plaintext, std::string_view aad);

// The plaintext, or CryptoError. No byte of an unauthenticated plaintext is ever returned.
std::string aes256_gcm_open(AesKey key, std::string_view sealed, std::string_view aad);

}  // namespace ambient::crypto
