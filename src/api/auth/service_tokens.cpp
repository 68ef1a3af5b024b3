#include "api/auth/service_tokens.hpp"

#include "common/crypto/sha256.hpp"
#include "common/jwt/base64url.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace ambient::api {
namespace {

std::array<unsigned char, 32> digest(std::string_view s) {
    return crypto::sha256(s);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

}  // namespace

void ServiceTokens::add(std::string_view token) {
    if (token.size() < kMinLength) {
        throw std::invalid_argument("a service token (AMBIENT_API_TOKEN or a line of --token-file) is shorter than " +
                                    std::to_string(kMinLength) + " characters");
    }
    digests_.push_back(digest(token));
}

bool ServiceTokens::matches(std::string_view token) const {
    if (token.empty()) return false;
    const auto presented = digest(token);
    int found = 0;
    for (const auto& d : digests_)
        found |= CRYPTO_memcmp(d.data(), presented.data(), d.size()) == 0;
    return found != 0;
}

std::vector<std::string> read_token_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read token file " + path.string());
    std::vector<std::string> tokens;
    std::string line;
    while (std::getline(in, line)) {
        const auto t = trim(line);
        if (t.empty() || t.front() == '#') continue;
        tokens.emplace_back(t);
    }
    return tokens;
}

std::string load_or_create_token(const std::filesystem::path& path, bool& created) {
    created = false;
    if (std::filesystem::exists(path)) {
        auto tokens = read_token_file(path);
        if (tokens.empty()) throw std::runtime_error("token file " + path.string() + " is empty");
        return tokens.front();
    }
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("RAND_bytes failed");
    const std::string token =
        jwt::base64url_encode(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
    // O_EXCL: two servers starting on one data dir must not overwrite each other's token.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return load_or_create_token(path, created);
        throw std::runtime_error("cannot create token file " + path.string());
    }
    const std::string content = token + "\n";
    const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write token file " + path.string());
    created = true;
    return token;
}

}  // namespace ambient::api
