// The control plane's watch stream: server-sent events from the API server, each frame
// decoded into a change for the reconciler, as WatchClient reads them. (There is no
// Kubernetes watch decoder: the control plane runs sessions locally and watches only the API
// server.) Whatever the stream holds, a frame either decodes or is refused with
// std::invalid_argument; a decoded change names an object, carries the frame's positive id,
// and an object unless it is a deletion.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/client/sse_parser.hpp"
#include "controlplane/watch_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ambient::controlplane;
    const std::string_view stream(reinterpret_cast<const char*>(data), size);
    ambient::client::SseParser parser(
        [](const ambient::client::SseEvent& e) {
            if (e.event == "RESYNC") return true;
            try {
                const auto event = decode_watch_frame(Resource::Sessions, e.data, e.id);
                if (event.id.empty() || event.event_id <= 0 || e.id.empty()) std::abort();
                if (event.type == WatchEventType::Synced || !event.listed_ids.empty()) std::abort();
                if (event.type == WatchEventType::Deleted && !event.object.is_null()) std::abort();
            } catch (const std::invalid_argument&) {
                return false;  // WatchClient drops the stream here
            }
            return true;
        },
        64 * 1024);
    try {
        parser.feed(stream);
    } catch (const std::length_error&) {
    }
    return 0;
}
