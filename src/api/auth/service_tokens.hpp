#pragma once
// Static service tokens (the control plane's, an operator's): from AMBIENT_API_TOKEN, a
// token file, or — when neither is configured — one generated into the data directory.
// Only SHA-256 digests are kept in memory, and a presented token is compared against
// every digest in constant time.
#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ambient::api {

class ServiceTokens {
public:
    // Shorter tokens are guessable or typos; the server refuses to start with one.
    static constexpr std::size_t kMinLength = 32;

    // Throws std::invalid_argument (naming no token) when `token` is shorter than kMinLength.
    void add(std::string_view token);
    bool empty() const { return digests_.empty(); }
    std::size_t size() const { return digests_.size(); }
    // True when `token` equals one of the tokens; time independent of where it differs.
    bool matches(std::string_view token) const;

private:
    std::vector<std::array<unsigned char, 32>> digests_;
};

// Reads one token per line; blank lines and lines starting with '#' are skipped. Throws
// std::runtime_error when the file can't be read.
std::vector<std::string> read_token_file(const std::filesystem::path& path);

// The generated token of an installation with none configured: read from `path` when it
// exists, else created there (mode 0600, 32 random bytes, base64url). `created` tells which.
std::string load_or_create_token(const std::filesystem::path& path, bool& created);

}  // namespace ambient::api
