#pragma once
// What the watch clients deliver to the reconciler: typed changes of sessions and projects,
// carrying each object as it was right after the change.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ambient::controlplane {

enum class Resource { Sessions, Projects };

enum class WatchEventType {
    Added,     // from a list, or a CREATED frame
    Modified,  // an UPDATED frame
    Deleted,   // a DELETED frame (no object: only the id)
    // A list ended: `listed_ids` is every object that exists now. The reconciler treats the
    // objects it knows and that are not in it as deleted (they went while we did not watch).
    Synced,
};

struct WatchEvent {
    Resource resource = Resource::Sessions;
    WatchEventType type = WatchEventType::Added;
    std::string id;                       // the object's id (empty for Synced)
    nlohmann::json object;                // null for Deleted and Synced
    std::int64_t event_id = 0;            // the stream's event id; 0 for what a list produced
    std::vector<std::string> listed_ids;  // Synced only
};

const char* resource_path(Resource resource);  // "sessions", "projects"
const char* event_type_name(WatchEventType type);

// One frame of the API server's watch stream: the SSE event's data ({"type": "CREATED" |
// "UPDATED" | "DELETED", "resource_id": …, "object": …}) and its id (a positive integer).
// Throws std::invalid_argument when the frame is malformed (the stream cannot be trusted past
// it); RESYNC frames carry no change and are the caller's to handle.
WatchEvent decode_watch_frame(Resource resource, std::string_view data, std::string_view id);

// The reconciler's inbox: many producers (one watch client per resource), one consumer.
// Unbounded on purpose: a watch client must never block on a slow reconciler, or the API
// server would see a reader that stopped reading; the reconciler coalesces by id instead.
class EventQueue {
public:
    void push(WatchEvent event);
    // The next event, or nullopt after `timeout` or once closed and drained.
    std::optional<WatchEvent> pop(std::chrono::milliseconds timeout);
    void close();
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<WatchEvent> events_;
    bool closed_ = false;
};

}  // namespace ambient::controlplane
