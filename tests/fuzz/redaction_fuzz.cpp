// The redactor: secrets and a text built from the input (the secrets, their encodings and any
// bytes around them), cut into pieces at input-chosen places. Whatever the input, a stream of
// the pieces gives exactly the whole text's redaction, holds back less than the longest match,
// and what comes out holds none of the secrets.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/crypto/base64.hpp"
#include "runner/redaction.hpp"

namespace {

std::string percent_encoded(const std::string& v) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : v) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    std::vector<std::string> secrets;
    const int n = in.ConsumeIntegralInRange(0, 3);
    for (int i = 0; i < n; ++i)
        secrets.push_back(in.ConsumeRandomLengthString(48));
    ambient::runner::Redactor redactor;
    redactor.add_secrets(secrets);

    std::string text;
    for (int parts = in.ConsumeIntegralInRange(0, 12); parts > 0 && in.remaining_bytes() > 0; --parts) {
        const auto& secret =
            secrets.empty() ? std::string() : secrets[in.ConsumeIntegralInRange<std::size_t>(0, secrets.size() - 1)];
        switch (in.ConsumeIntegralInRange(0, 4)) {
            case 0:
                text += in.ConsumeRandomLengthString(64);
                break;
            case 1:
                text += secret;
                break;
            case 2:
                text += ambient::crypto::base64_encode(in.ConsumeRandomLengthString(4) + secret);
                break;
            case 3:
                text += percent_encoded(secret);
                break;
            default:
                text += std::string("ghp_") + in.ConsumeRandomLengthString(40);
                break;
        }
    }
    const std::string whole = redactor.redact(text);

    ambient::runner::StreamRedactor stream(redactor);
    std::string streamed;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto length =
            in.remaining_bytes() > 0 ? in.ConsumeIntegralInRange<std::size_t>(0, text.size() - at) : text.size() - at;
        streamed += stream.push(std::string_view(text).substr(at, length));
        at += length;
        if (stream.held() >= redactor.max_match_length()) std::abort();
    }
    streamed += stream.finish();
    if (streamed != whole) std::abort();

    // A secret made only of characters "[REDACTED]" lacks cannot be formed by a replacement.
    for (const auto& s : secrets) {
        if (s.size() < ambient::runner::Redactor::kMinSecretLength) continue;
        if (s.find_first_of("[]REDACT \t\n\r\f\v") != std::string::npos) continue;
        if (whole.find(s) != std::string::npos) std::abort();
    }
    return 0;
}
