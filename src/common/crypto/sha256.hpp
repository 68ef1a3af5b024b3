#pragma once
// SHA-256 for the request path. OpenSSL's one-shot SHA256() looks the algorithm up and
// allocates a context on every call, which cost more than hashing a token (docs/performance.md,
// "The HTTP core, profiled"): here the algorithm is fetched once and each thread keeps a context.
#include <array>
#include <string_view>

namespace ambient::crypto {

using Sha256Digest = std::array<unsigned char, 32>;

// Throws std::runtime_error if OpenSSL cannot provide SHA-256.
Sha256Digest sha256(std::string_view data);

}  // namespace ambient::crypto
