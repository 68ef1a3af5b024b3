#include "common/crypto/sha256.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace ambient::crypto {
namespace {

std::string hex(const Sha256Digest& d) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : d) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
    return out;
}

// FIPS 180-4's examples.
TEST(Sha256, KnownVectors) {
    EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// The context is reused per thread: one hash must not leak into the next, on any thread.
TEST(Sha256, RepeatedAndConcurrentHashesAgree) {
    const auto expected = sha256("abc");
    std::vector<std::thread> threads;
    std::vector<int> wrong(4, 0);
    for (std::size_t t = 0; t < wrong.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 1000; ++i) {
                if (sha256(std::string(static_cast<std::size_t>(i % 7), 'x')) == expected || sha256("abc") != expected)
                    ++wrong[t];
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    for (const int w : wrong)
        EXPECT_EQ(w, 0);
}

}  // namespace
}  // namespace ambient::crypto
