#include "controlplane/watch_event.hpp"

#include <utility>

namespace ambient::controlplane {

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

}  // namespace ambient::controlplane
