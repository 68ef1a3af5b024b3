#include "common/crypto/aes_gcm.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace ambient::crypto {
namespace {

struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

CipherCtx new_ctx() {
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) throw CryptoError("EVP_CIPHER_CTX_new failed");
    return ctx;
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) {
    return reinterpret_cast<unsigned char*>(s.data());
}

// EVP takes int lengths.
int checked_length(std::size_t n) {
    if (n > static_cast<std::size_t>(INT_MAX) - 64) throw CryptoError("value too large to encrypt");
    return static_cast<int>(n);
}

}  // namespace

std::string aes256_gcm_seal(AesKey key, std::string_view plaintext, std::string_view aad) {
    std::string out(kGcmNonceSize + plaintext.size() + kGcmTagSize, '\0');
    unsigned char* nonce = bytes(out);
    unsigned char* ciphertext = nonce + kGcmNonceSize;
    if (RAND_bytes(nonce, kGcmNonceSize) != 1) throw CryptoError("RAND_bytes failed");

    auto ctx = new_ctx();
    int len = 0;
    if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kGcmNonceSize, nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), checked_length(aad.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), ciphertext, &len, bytes(plaintext), checked_length(plaintext.size())) != 1) {
        throw CryptoError("AES-256-GCM encryption failed");
    }
    int final_len = 0;
    if (EVP_EncryptFinal_ex(ctx.get(), ciphertext + len, &final_len) != 1 ||
        static_cast<std::size_t>(len + final_len) != plaintext.size() ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize, ciphertext + plaintext.size()) != 1) {
        throw CryptoError("AES-256-GCM encryption failed");
    }
    return out;
}

std::string aes256_gcm_open(AesKey key, std::string_view sealed, std::string_view aad) {
    if (sealed.size() < kGcmNonceSize + kGcmTagSize) throw CryptoError("sealed value too short");
    const auto* nonce = bytes(sealed);
    const std::size_t ciphertext_size = sealed.size() - kGcmNonceSize - kGcmTagSize;
    const auto* ciphertext = nonce + kGcmNonceSize;
    // EVP_CTRL_GCM_SET_TAG takes a non-const pointer; give it a copy.
    unsigned char tag[kGcmTagSize];
    std::copy_n(ciphertext + ciphertext_size, kGcmTagSize, tag);

    std::string plaintext(ciphertext_size, '\0');
    auto ctx = new_ctx();
    int len = 0;
    int final_len = 0;
    const bool ok =
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kGcmNonceSize, nullptr) == 1 &&
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce) == 1 &&
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), checked_length(aad.size())) == 1 &&
        EVP_DecryptUpdate(ctx.get(), bytes(plaintext), &len, ciphertext, checked_length(ciphertext_size)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag) == 1 &&
        EVP_DecryptFinal_ex(ctx.get(), bytes(plaintext) + len, &final_len) == 1;
    if (!ok) {
        // The bytes decrypted so far are unauthenticated: they must not outlive this call.
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        throw CryptoError("authentication failed (wrong key, other associated data, or altered value)");
    }
    return plaintext;
}

}  // namespace ambient::crypto
