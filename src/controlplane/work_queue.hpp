#pragma once
// The reconciler's to-do list, keyed by object id (DESIGN §7: "retries with backoff per
// object without blocking others"):
// - an id added many times before it is taken is handed out once (work is coalesced: the
//   reconciler always acts on the newest object it holds, not on each change);
// - an id being worked on is never handed out again until done(); an add meanwhile makes
//   it come back right after;
// - a failed id comes back after its own backoff, 1 s·2^(failures-1) up to 60 s, while
//   every other id goes on.
// Plain logic with the time passed in, so tests need no clock; the reconciler holds it under
// its own lock.
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

namespace ambient::controlplane {

class WorkQueue {
public:
    using Clock = std::chrono::steady_clock;

    explicit WorkQueue(std::chrono::milliseconds backoff_initial = std::chrono::seconds(1),
                       std::chrono::milliseconds backoff_max = std::chrono::seconds(60))
        : backoff_initial_(backoff_initial), backoff_max_(backoff_max) {}

    // `id` has something new: it is ready now (even if it was waiting out a backoff).
    void add(const std::string& id);
    // The next ready id, marked in progress; nullopt when none is ready at `now`.
    std::optional<std::string> take(Clock::time_point now);
    // The work on `id` (taken before) ended. A failure schedules it again after its backoff.
    void done(const std::string& id, bool succeeded, Clock::time_point now);

    // When the earliest waiting id becomes ready; nullopt when none waits. An id that is
    // ready already makes this `Clock::time_point::min()`.
    std::optional<Clock::time_point> next_due() const;
    // Failures in a row of `id` (0 when unknown): for logs and metrics.
    int failures(const std::string& id) const;
    // Ids known: ready, in progress or waiting.
    std::size_t size() const { return entries_.size(); }

private:
    enum class State { Ready, InProgress, Waiting };
    struct Entry {
        State state = State::Ready;
        bool dirty = false;  // added while in progress
        int failures = 0;
        Clock::time_point due{};
    };
    void make_ready(const std::string& id, Entry& entry);

    std::chrono::milliseconds backoff_initial_;
    std::chrono::milliseconds backoff_max_;
    std::unordered_map<std::string, Entry> entries_;
    std::deque<std::string> ready_;                          // FIFO of Ready ids
    std::multimap<Clock::time_point, std::string> waiting_;  // Waiting ids by due time
};

}  // namespace ambient::controlplane
