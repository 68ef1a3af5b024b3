#include "runner/agui/event_hub.hpp"

#include <algorithm>

namespace ambient::runner::agui {

EventHub::EventHub(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::uint64_t EventHub::publish(const nlohmann::json& event) {
    auto stored = std::make_shared<StoredEvent>();
    stored->json = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    stored->type = event.value("type", "");
    std::vector<std::function<void()>> wake;
    {
        std::lock_guard lock(mutex_);
        stored->id = next_id_++;
        ring_.push_back(stored);
        while (ring_.size() > capacity_)
            ring_.pop_front();
        for (const auto& [key, fn] : listeners_)
            wake.push_back(fn);
    }
    for (auto& fn : wake)
        fn();
    return stored->id;
}

EventHub::Batch EventHub::since(std::uint64_t after, std::size_t max) const {
    Batch batch;
    std::lock_guard lock(mutex_);
    if (!ring_.empty() && after + 1 < ring_.front()->id) batch.gap = true;
    // Ids are consecutive in the ring: index arithmetic instead of a search.
    std::size_t start = 0;
    if (!ring_.empty() && after >= ring_.front()->id) start = static_cast<std::size_t>(after - ring_.front()->id + 1);
    for (std::size_t i = start; i < ring_.size() && batch.events.size() < max; ++i)
        batch.events.push_back(ring_[i]);
    return batch;
}

std::uint64_t EventHub::last_id() const {
    std::lock_guard lock(mutex_);
    return next_id_ - 1;
}

std::unique_ptr<EventHub::Subscription> EventHub::subscribe(std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    const auto key = next_listener_++;
    listeners_.emplace_back(key, std::move(fn));
    return std::make_unique<Subscription>(*this, key);
}

EventHub::Subscription::~Subscription() {
    std::lock_guard lock(hub_.mutex_);
    auto& l = hub_.listeners_;
    l.erase(std::remove_if(l.begin(), l.end(), [&](const auto& p) { return p.first == key_; }), l.end());
}

void EventHub::close() {
    std::vector<std::function<void()>> wake;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        for (const auto& [key, fn] : listeners_)
            wake.push_back(fn);
    }
    for (auto& fn : wake)
        fn();
}

bool EventHub::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

}  // namespace ambient::runner::agui
