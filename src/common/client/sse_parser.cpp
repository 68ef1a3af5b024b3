#include "common/client/sse_parser.hpp"

#include <stdexcept>

namespace ambient::client {

SseParser::SseParser(OnEvent on_event, std::size_t max_event_bytes)
    : on_event_(std::move(on_event)), max_event_bytes_(max_event_bytes) {}

bool SseParser::feed(std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const char c = bytes[i];
        if (skip_lf_) {
            skip_lf_ = false;
            if (c == '\n') continue;
        }
        if (c == '\r' || c == '\n') {
            skip_lf_ = c == '\r';
            std::string text;
            text.swap(buffer_);
            if (!line(text)) return false;
            continue;
        }
        buffer_.push_back(c);
        if (buffer_.size() + data_.size() > max_event_bytes_) throw std::length_error("server-sent event too large");
    }
    return true;
}

bool SseParser::line(std::string_view text) {
    if (text.empty()) {  // dispatch
        if (!has_data_) {
            event_.clear();
            return true;
        }
        SseEvent ev{last_id_, event_.empty() ? "message" : event_, std::move(data_)};
        data_.clear();
        event_.clear();
        has_data_ = false;
        return on_event_(ev);
    }
    if (text.front() == ':') return true;
    const auto colon = text.find(':');
    std::string_view field = text.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
        if (has_data_) data_.push_back('\n');
        data_.append(value);
        has_data_ = true;
    } else if (field == "event") {
        event_.assign(value);
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
    }
    return true;
}

}  // namespace ambient::client
