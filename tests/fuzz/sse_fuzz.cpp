// The server-sent events parser that the control plane, the runner and acpctl read streams
// with. The input is an event size limit, cut points, and the stream. Whatever arrives:
//   - the events do not depend on how the stream was cut into chunks (a CR at the end of one
//     chunk and its LF at the start of the next is one line end), nor does the limit's error;
//   - only std::length_error escapes, and only when an event outgrew the limit;
//   - no event's data is longer than the stream or the limit, and no id or event name holds a line end
//     (an id with NUL is never taken).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/client/sse_parser.hpp"

namespace {

using ambient::client::SseEvent;
using ambient::client::SseParser;

struct Run {
    std::vector<SseEvent> events;
    bool too_large = false;
};

bool same(const SseEvent& a, const SseEvent& b) {
    return a.id == b.id && a.event == b.event && a.data == b.data;
}

Run parse(const std::string& stream, const std::vector<std::size_t>& cuts, std::size_t limit) {
    Run run;
    SseParser parser(
        [&](const SseEvent& e) {
            run.events.push_back(e);
            return true;
        },
        limit);
    try {
        std::size_t at = 0;
        for (auto cut : cuts) {
            parser.feed(std::string_view(stream).substr(at, cut - at));
            at = cut;
        }
        parser.feed(std::string_view(stream).substr(at));
    } catch (const std::length_error&) {
        run.too_large = true;
    }
    return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto limit = in.ConsumeIntegralInRange<std::size_t>(1, 512);
    std::vector<std::size_t> cuts;
    const auto cut_count = in.ConsumeIntegralInRange(0, 8);
    for (int i = 0; i < cut_count; ++i)
        cuts.push_back(in.ConsumeIntegral<std::uint16_t>());
    const std::string stream = in.ConsumeRemainingBytesAsString();
    for (auto& cut : cuts)
        cut %= stream.size() + 1;
    std::sort(cuts.begin(), cuts.end());

    const Run whole = parse(stream, {}, limit);
    const Run pieces = parse(stream, cuts, limit);
    if (whole.too_large != pieces.too_large || whole.events.size() != pieces.events.size()) std::abort();
    for (std::size_t i = 0; i < whole.events.size(); ++i) {
        if (!same(whole.events[i], pieces.events[i])) std::abort();
    }
    for (const auto& e : whole.events) {
        if (e.data.size() > stream.size() || e.data.size() > limit) std::abort();
        if (e.data.find('\r') != std::string::npos) std::abort();
        if (e.id.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) std::abort();
        if (e.event.empty() || e.event.find_first_of("\r\n") != std::string::npos) std::abort();
    }
    return 0;
}
