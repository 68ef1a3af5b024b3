// The request framing checks that run on raw bytes before Beast parses a request. The input
// is what arrived of a request, and framing fields (Transfer-Encoding values, the count of
// Content-Length fields, the version). Whatever arrives:
//   - header_section_size() ends at the first empty line, never past the bytes;
//   - could_start_request() never takes back a refusal as more bytes arrive;
//   - check_framing() answers only 400 or 501, and lets a Transfer-Encoding through only on
//     HTTP/1.1, without Content-Length, and naming chunked.
#include <fuzzer/FuzzedDataProvider.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/http/framing.hpp"

namespace {

bool mentions_chunked(const std::string& value) {
    std::string lower;
    for (unsigned char c : value)
        lower += static_cast<char>(std::tolower(c));
    return lower.find("chunked") != std::string::npos;
}

void check_header_section(std::string_view bytes) {
    const auto size = ambient::http::header_section_size(bytes);
    const auto end = bytes.find("\r\n\r\n");
    if (size.has_value() != (end != std::string_view::npos)) std::abort();
    if (size && (*size > bytes.size() || *size != end + 4)) std::abort();
    if (size) ambient::http::has_folded_line(bytes.substr(0, *size));
}

void check_start(std::string_view bytes, std::size_t cut) {
    const bool whole = ambient::http::could_start_request(bytes);
    const bool prefix = ambient::http::could_start_request(bytes.substr(0, cut));
    if (!prefix && whole) std::abort();
}

void check_refusal(FuzzedDataProvider& in) {
    std::vector<std::string> values;
    for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
        values.push_back(in.ConsumeRandomLengthString(40));
    ambient::http::FramingHeaders headers;
    headers.version = in.ConsumeBool() ? 10 : 11;
    headers.content_length_fields = in.ConsumeIntegralInRange<std::size_t>(0, 2);
    for (const auto& v : values)
        headers.transfer_encodings.push_back(v);
    const auto refusal = ambient::http::check_framing(headers);
    if (refusal) {
        if (refusal->status != 400 && refusal->status != 501) std::abort();
        if (refusal->reason.empty()) std::abort();
        return;
    }
    if (values.empty()) return;
    if (headers.version != 11 || headers.content_length_fields != 0) std::abort();
    bool chunked = false;
    for (const auto& v : values)
        chunked = chunked || mentions_chunked(v);
    if (!chunked) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    check_refusal(in);
    const auto cut = in.ConsumeIntegral<std::uint16_t>();
    const std::string bytes = in.ConsumeRemainingBytesAsString();
    check_header_section(bytes);
    check_start(bytes, cut % (bytes.size() + 1));
    return 0;
}
