#include "common/crypto/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace ambient::crypto {

Sha256Digest sha256(std::string_view data) {
    static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    struct Context {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        ~Context() { EVP_MD_CTX_free(ctx); }
    };
    thread_local Context context;
    Sha256Digest out{};
    unsigned int size = 0;
    if (algorithm == nullptr || context.ctx == nullptr || EVP_DigestInit_ex2(context.ctx, algorithm, nullptr) != 1 ||
        EVP_DigestUpdate(context.ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(context.ctx, out.data(), &size) != 1 || size != out.size()) {
        throw std::runtime_error("SHA-256 is unavailable");
    }
    return out;
}

}  // namespace ambient::crypto
