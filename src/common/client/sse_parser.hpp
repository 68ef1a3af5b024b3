#pragma once
// Server-sent events (the WHATWG "event stream" format), parsed incrementally: bytes go in
// as they arrive, whole events come out. Comments (": ping") are skipped; `id:` persists
// across events as the spec says, so a reader can resume with the last one it saw.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace ambient::client {

struct SseEvent {
    std::string id;     // the last id seen, on this event or before it
    std::string event;  // "message" when the event named none
    std::string data;   // the data lines joined with '\n'
};

class SseParser {
public:
    // Called for each complete event; returns false to stop parsing (feed() then returns false).
    using OnEvent = std::function<bool(const SseEvent&)>;

    // An event larger than `max_event_bytes` is a protocol error (std::length_error), so a
    // peer cannot make the reader buffer without bound.
    explicit SseParser(OnEvent on_event, std::size_t max_event_bytes = 16 * 1024 * 1024);

    // Feeds received bytes; false once on_event asked to stop.
    bool feed(std::string_view bytes);

    const std::string& last_id() const { return last_id_; }

private:
    bool line(std::string_view text);

    OnEvent on_event_;
    std::size_t max_event_bytes_;
    std::string buffer_;    // an incomplete line
    bool skip_lf_ = false;  // the previous chunk ended in '\r'
    std::string last_id_;
    std::string event_;
    std::string data_;
    bool has_data_ = false;
};

}  // namespace ambient::client
