#include "controlplane/watch_event.hpp"

#include <charconv>
#include <stdexcept>
#include <utility>

namespace ambient::controlplane {
namespace {

std::optional<WatchEventType> frame_type(const std::string& type) {
    if (type == "CREATED") return WatchEventType::Added;
    if (type == "UPDATED") return WatchEventType::Modified;
    if (type == "DELETED") return WatchEventType::Deleted;
    return std::nullopt;
}

// 0 for anything but a positive decimal integer.
std::int64_t parse_id(std::string_view text) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value <= 0) return 0;
    return value;
}

}  // namespace

const char* resource_path(Resource resource) {
    switch (resource) {
        case Resource::Sessions:
            return "sessions";
        case Resource::Projects:
            return "projects";
    }
    return "sessions";
}

const char* event_type_name(WatchEventType type) {
    switch (type) {
        case WatchEventType::Added:
            return "ADDED";
        case WatchEventType::Modified:
            return "MODIFIED";
        case WatchEventType::Deleted:
            return "DELETED";
        case WatchEventType::Synced:
            return "SYNCED";
    }
    return "ADDED";
}

void EventQueue::push(WatchEvent event) {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        events_.push_back(std::move(event));
    }
    ready_.notify_one();
}

std::optional<WatchEvent> EventQueue::pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, timeout, [this] { return closed_ || !events_.empty(); });
    if (events_.empty()) return std::nullopt;
    auto event = std::move(events_.front());
    events_.pop_front();
    return event;
}

void EventQueue::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    ready_.notify_all();
}

std::size_t EventQueue::size() const {
    std::lock_guard lock(mutex_);
    return events_.size();
}

WatchEvent decode_watch_frame(Resource resource, std::string_view data, std::string_view id) {
    const auto frame = nlohmann::json::parse(data, nullptr, false);
    if (!frame.is_object()) throw std::invalid_argument("frame is not a JSON object");
    const auto type_it = frame.find("type");
    const auto type =
        type_it != frame.end() && type_it->is_string() ? frame_type(type_it->get<std::string>()) : std::nullopt;
    const auto event_id = parse_id(id);
    if (!type || event_id == 0) throw std::invalid_argument("unknown type or no event id");
    const WatchEventType kind = *type;
    const auto id_it = frame.find("resource_id");
    // An empty id names no object: the reconciler could neither look it up nor forget it.
    if (id_it == frame.end() || !id_it->is_string() || id_it->get<std::string>().empty())
        throw std::invalid_argument("frame has no resource_id");
    WatchEvent event{resource, kind, id_it->get<std::string>(), nullptr, event_id, {}};
    if (kind != WatchEventType::Deleted) {
        const auto object = frame.find("object");
        if (object == frame.end()) throw std::invalid_argument("frame has no object");
        event.object = *object;
    }
    return event;
}

}  // namespace ambient::controlplane
