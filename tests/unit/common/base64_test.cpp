// Standard base64: RFC 4648's vectors, and one accepted spelling per byte string.
#include "common/crypto/base64.hpp"

#include <gtest/gtest.h>

namespace ambient::crypto {
namespace {

TEST(Base64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(plain), encoded);
        EXPECT_EQ(base64_decode(encoded), std::optional<std::string>(plain)) << encoded;
    }
}

TEST(Base64, StandardAlphabetWithPadding) {
    EXPECT_EQ(base64_encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
    EXPECT_EQ(base64_decode("+/+/"), std::string("\xfb\xff\xbf", 3));
    EXPECT_EQ(base64_decode("-_-_"), std::nullopt);  // base64url is not this
}

TEST(Base64, AllByteValuesRoundTrip) {
    std::string all;
    for (int i = 0; i < 256; ++i)
        all += static_cast<char>(i);
    for (std::size_t n = 0; n <= all.size(); n += 37) {
        EXPECT_EQ(base64_decode(base64_encode(all.substr(0, n))), all.substr(0, n));
    }
}

TEST(Base64, RejectsWhatIsNotCanonical) {
    for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm9v\n", " Zm9v",
                            "Zm9v====", "Zh==", "Zm9=", "Zm=v", "Zm9v!A==", "=Zm9"}) {
        EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
    }
}

}  // namespace
}  // namespace ambient::crypto
