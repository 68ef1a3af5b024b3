#include "common/ksuid.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace ambient {
namespace {

constexpr std::int64_t kEpochSeconds = 1400000000;  // 2014-05-13T16:53:20Z
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kMaxKsuid = "aWgEPTl1tmebfsQzFP4bxwgy80V";  // 2^160 - 1

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    if (c >= 'a' && c <= 'z') return c - 'a' + 36;
    return -1;
}

// Base-62 of a 160-bit big-endian number, by repeated division over 32-bit limbs. Each pass
// divides by 62^5, which fits a limb, and yields five digits: a sixth of the divisions of
// one digit per pass (every request's operation id is a ksuid).
std::string encode(const std::array<std::uint8_t, 20>& bytes) {
    constexpr std::uint64_t kChunk = 62ULL * 62 * 62 * 62 * 62;
    constexpr std::size_t kChunkDigits = 5;
    std::array<std::uint32_t, 5> limbs{};
    for (int i = 0; i < 5; ++i) {
        limbs[i] = (std::uint32_t{bytes[4 * i]} << 24) | (std::uint32_t{bytes[4 * i + 1]} << 16) |
                   (std::uint32_t{bytes[4 * i + 2]} << 8) | std::uint32_t{bytes[4 * i + 3]};
    }
    std::string out(kKsuidLength, '0');
    for (std::size_t end = kKsuidLength; end > 0;) {
        std::uint64_t remainder = 0;
        for (auto& limb : limbs) {
            const std::uint64_t value = (remainder << 32) | limb;
            limb = static_cast<std::uint32_t>(value / kChunk);
            remainder = value % kChunk;
        }
        for (std::size_t k = 0; k < kChunkDigits && end > 0; ++k) {
            out[--end] = kAlphabet[remainder % 62];
            remainder /= 62;
        }
    }
    return out;
}

}  // namespace

std::string make_ksuid(std::chrono::system_clock::time_point time, const std::array<std::uint8_t, 16>& payload) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
    const auto stamp = static_cast<std::uint32_t>(seconds - kEpochSeconds);
    std::array<std::uint8_t, 20> bytes{};
    bytes[0] = static_cast<std::uint8_t>(stamp >> 24);
    bytes[1] = static_cast<std::uint8_t>(stamp >> 16);
    bytes[2] = static_cast<std::uint8_t>(stamp >> 8);
    bytes[3] = static_cast<std::uint8_t>(stamp);
    std::copy(payload.begin(), payload.end(), bytes.begin() + 4);
    return encode(bytes);
}

std::string new_ksuid() {
    // Every request takes an id (its operation id): one call into OpenSSL's CSPRNG, with its
    // locking, fills the payloads of the next kBatch ids of this thread. The bytes are the
    // same CSPRNG's, each handed out once.
    constexpr std::size_t kBatch = 32;
    struct Pool {
        std::array<std::uint8_t, 16 * kBatch> bytes{};
        std::size_t used = 16 * kBatch;
    };
    thread_local Pool pool;
    if (pool.used == pool.bytes.size()) {
        if (RAND_bytes(pool.bytes.data(), static_cast<int>(pool.bytes.size())) != 1) {
            throw std::runtime_error("RAND_bytes failed");
        }
        pool.used = 0;
    }
    std::array<std::uint8_t, 16> payload{};
    std::copy_n(pool.bytes.begin() + static_cast<std::ptrdiff_t>(pool.used), payload.size(), payload.begin());
    pool.used += payload.size();
    return make_ksuid(std::chrono::system_clock::now(), payload);
}

bool is_ksuid(std::string_view s) {
    if (s.size() != kKsuidLength) return false;
    for (char c : s) {
        if (digit_value(c) < 0) return false;
    }
    // Same length, so digit-wise comparison is numeric comparison (alphabet is ordered).
    return s <= kMaxKsuid;
}

std::optional<std::array<std::uint8_t, 20>> decode_ksuid(std::string_view ksuid) {
    if (!is_ksuid(ksuid)) return std::nullopt;
    std::array<std::uint32_t, 5> limbs{};
    for (char c : ksuid) {
        std::uint64_t carry = static_cast<std::uint64_t>(digit_value(c));
        for (std::size_t i = limbs.size(); i-- > 0;) {
            const std::uint64_t value = std::uint64_t{limbs[i]} * 62 + carry;
            limbs[i] = static_cast<std::uint32_t>(value);
            carry = value >> 32;
        }
    }
    std::array<std::uint8_t, 20> bytes{};
    for (int i = 0; i < 5; ++i) {
        bytes[4 * i] = static_cast<std::uint8_t>(limbs[i] >> 24);
        bytes[4 * i + 1] = static_cast<std::uint8_t>(limbs[i] >> 16);
        bytes[4 * i + 2] = static_cast<std::uint8_t>(limbs[i] >> 8);
        bytes[4 * i + 3] = static_cast<std::uint8_t>(limbs[i]);
    }
    return bytes;
}

std::chrono::system_clock::time_point ksuid_time(std::string_view ksuid) {
    const auto bytes = decode_ksuid(ksuid).value_or(std::array<std::uint8_t, 20>{});
    const std::uint32_t stamp = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                                (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
    return std::chrono::system_clock::time_point{std::chrono::seconds{kEpochSeconds + stamp}};
}

}  // namespace ambient
