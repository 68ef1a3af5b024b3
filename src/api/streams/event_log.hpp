#pragma once
// The fan-out of the events table to open streams. One reader, woken by the notifier after
// commits, reads each new event once, renders its SSE frame once, keeps the newest events in
// memory, and wakes only the streams an event concerns:
//
//   - a watch stream of the event's kind (and project, when the watch names one) whose
//     caller may see it (authz::EventVisibility, decided here without a query);
//   - a stream whose right to exist the event may have changed: the streams of the user a
//     role binding names, the streams about a session that is deleted, and a runner's
//     streams when its session changes phase.
//
// A woken watch stream takes its events from memory (Watch::take). Only a stream that is
// further behind than memory holds (a resume from an old id, a slow reader) reads the table
// itself (event_rows.hpp) until it catches up.
//
// It reads only up to the settled frontier (event_frontier.hpp): on PostgreSQL an event id
// may commit after a larger one, and head is never past an id that may still appear.
//
// Memory holds every event with an id in (floor, head]; the oldest leave first once the
// count or byte budget is exceeded. Events of a project's earlier incarnation (a deleted
// project whose name was taken again) are never handed out, nor — to a stream replaying
// them — the creates and updates of an object deleted since (sealed, as in the table).
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/authz/event_visibility.hpp"
#include "api/store/database.hpp"
#include "api/streams/event_frontier.hpp"
#include "api/streams/event_rows.hpp"
#include "api/streams/wakeup.hpp"

namespace ambient::api::streams {

// The SSE frame of one watch event: "id: N\ndata: {type, resource_id[, object]}\n\n".
std::string render_watch_frame(const EventRow& row);
// Whether a stored event still carries its object: Create/Update events of an object that
// was deleted since have had it removed (sealed) and are not sent.
bool is_sealed(const EventRow& row);

struct EventLogOptions {
    std::size_t max_events = 4096;
    std::size_t max_bytes = 8 * 1024 * 1024;
};

class EventLog {
    struct Entry;
    struct Registration;

public:
    // Reads the newest event id now (blocking; on PostgreSQL until the writers in progress
    // have ended, event_frontier.hpp): what is committed before is history.
    EventLog(store::Database& db, boost::asio::thread_pool& pool, EventLogOptions options = {});
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

    // New events may have been committed (the notifier's listener). Thread-safe; the read
    // runs on the pool, one at a time, coalescing notifications that arrive meanwhile.
    void on_notify();
    // Wakes every registered stream (shutdown: they then see that the server stops).
    void wake_all();
    // The newest event id read so far.
    std::int64_t head() const;
    // How many times a read of the table succeeded after a failed one (the database came
    // back): a stream that saw this change lived through a fault (stream_faults.hpp).
    std::uint64_t recoveries() const { return recoveries_.load(std::memory_order_acquire); }
    // Where a stream that opens now starts: a settled id at or past head() and, when no
    // writer is in progress, the newest event id. Every change committed after this call
    // has a larger id.
    std::int64_t open_position(store::Connection& conn);

    // What a woken watch stream takes from memory.
    struct Batch {
        std::vector<std::shared_ptr<const std::string>> frames;  // to send, in order
        std::int64_t position = 0;                               // the stream's position after them
        // The position is older than memory, or memory has not yet read up to where the
        // stream opened: read the table first.
        bool behind = false;
        std::int64_t floor = 0;
    };

    // A watch stream's registration; unregisters when destroyed.
    class Watch {
    public:
        ~Watch();
        Watch(const Watch&) = delete;
        Watch& operator=(const Watch&) = delete;
        // The events after `position` this watch may send, from memory — once memory has
        // read up to `opened` (the newest event id when the stream opened; until then the
        // stream reads the table, where projects' incarnations are settled).
        Batch take(std::int64_t position, std::int64_t opened) const;
        // After the caller's access changed.
        void set_visibility(authz::EventVisibility visibility);
        // Whether this watch may send the event (kind, project, visibility, incarnation),
        // for rows the stream read from the table itself; `incarnations` as from
        // incarnation_starts() for the rows' projects.
        bool accepts(const EventRow& row, const std::unordered_map<std::string, std::int64_t>& incarnations) const;

    private:
        friend class EventLog;
        Watch(EventLog& log, std::shared_ptr<Registration> registration) : log_(log), reg_(std::move(registration)) {}
        EventLog& log_;
        std::shared_ptr<Registration> reg_;
    };

    // Registers a watch of `source`'s events (of `project` only, unless empty) visible
    // through `visibility`; `wakeup` is notified when there is something to take.
    std::unique_ptr<Watch> watch(std::string source, std::string project, authz::EventVisibility visibility,
                                 std::shared_ptr<Wakeup> wakeup);

    // A stream's interest in events that may end it; unregisters when destroyed.
    class Follow {
    public:
        ~Follow();
        Follow(const Follow&) = delete;
        Follow& operator=(const Follow&) = delete;
        // True once (and clears it) when such an event came since the last call.
        bool recheck_due();
        // Whether recheck_due() would be true, without clearing it.
        bool recheck_pending() const;

    private:
        friend class EventLog;
        Follow(EventLog& log, std::shared_ptr<Registration> registration) : log_(log), reg_(std::move(registration)) {}
        EventLog& log_;
        std::shared_ptr<Registration> reg_;
    };

    struct FollowWhat {
        std::string username;        // role bindings of this user (empty: none)
        std::string session_id;      // this session's deletion (empty: none)
        bool session_phase = false;  // and every change of the session (runners: stop)
    };
    std::unique_ptr<Follow> follow(FollowWhat what, std::shared_ptr<Wakeup> wakeup);

private:
    void read_loop();
    void retry_later();
    // Reads again after `delay` unless a notification comes first: a visible event waits
    // behind an id that is not settled yet (if that id's transaction rolled back, no
    // notification will come for it), or a notification may have been lost.
    void recheck_after(std::chrono::milliseconds delay);
    // Appends what was read; returns the registrations to wake. Under mutex_.
    void append(EventRange range, std::unordered_map<std::string, std::int64_t> starts,
                std::vector<std::shared_ptr<Wakeup>>& wake);
    bool in_incarnation(const std::string& project, std::int64_t id) const;
    void unregister(const std::shared_ptr<Registration>& reg);

    store::Database& db_;
    boost::asio::thread_pool& pool_;
    const EventLogOptions options_;
    boost::asio::steady_timer retry_timer_;
    boost::asio::steady_timer recheck_timer_;
    EventFrontier frontier_;

    mutable std::mutex mutex_;
    std::deque<std::shared_ptr<Entry>> entries_;
    std::size_t bytes_ = 0;
    std::int64_t floor_ = 0;
    std::int64_t head_ = 0;
    // Each project's current incarnation's first event id (see incarnation_starts()).
    std::unordered_map<std::string, std::int64_t> incarnations_;
    bool reading_ = false;
    bool dirty_ = false;
    bool stopping_ = false;
    bool failing_ = false;  // the last read failed
    std::atomic<std::uint64_t> recoveries_{0};

    // Watches by kind and project (watch_key), follows by user and by session.
    std::unordered_map<std::string, std::unordered_set<std::shared_ptr<Registration>>> watches_;
    std::unordered_map<std::string, std::unordered_set<std::shared_ptr<Registration>>> by_user_;
    std::unordered_map<std::string, std::unordered_set<std::shared_ptr<Registration>>> by_session_;
};

}  // namespace ambient::api::streams
