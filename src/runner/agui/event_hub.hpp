#pragma once
// The runner's AG-UI event log: every event the runner emits gets the next id (1, 2, …) and
// is kept in a bounded ring, so that an /events reader that reconnects with Last-Event-ID
// gets what it missed (when still in the ring), and any number of readers follow live.
// Events are already redacted when published.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ambient::runner::agui {

struct StoredEvent {
    std::uint64_t id = 0;
    std::string json;  // the event, serialized once
    std::string type;  // its "type"
};

class EventHub {
public:
    explicit EventHub(std::size_t capacity = 4096);

    // Serializes, assigns the next id, stores, wakes waiting readers. Returns the id.
    std::uint64_t publish(const nlohmann::json& event);

    struct Batch {
        std::vector<std::shared_ptr<const StoredEvent>> events;
        // The reader asked to resume after an id that is no longer in the ring: some events
        // were lost to it (it gets what the ring holds).
        bool gap = false;
    };
    // The events with id > after, at most `max`.
    Batch since(std::uint64_t after, std::size_t max = 512) const;

    std::uint64_t last_id() const;

    // Calls `fn` after each publish (on the publishing thread), until the returned
    // subscription is destroyed. For readers that wait on something else (an executor).
    class Subscription;
    std::unique_ptr<Subscription> subscribe(std::function<void()> fn);

    // Ends every reader's stream (shutdown); since() keeps working.
    void close();
    bool closed() const;

private:
    friend class Subscription;
    mutable std::mutex mutex_;
    std::size_t capacity_;
    std::deque<std::shared_ptr<const StoredEvent>> ring_;
    std::uint64_t next_id_ = 1;
    bool closed_ = false;
    std::uint64_t next_listener_ = 1;
    std::vector<std::pair<std::uint64_t, std::function<void()>>> listeners_;
};

class EventHub::Subscription {
public:
    Subscription(EventHub& hub, std::uint64_t key) : hub_(hub), key_(key) {}
    ~Subscription();

private:
    EventHub& hub_;
    std::uint64_t key_;
};

}  // namespace ambient::runner::agui
