#include "controlplane/work_queue.hpp"

#include <algorithm>
#include <cassert>

namespace ambient::controlplane {

void WorkQueue::make_ready(const std::string& id, Entry& entry) {
    entry.state = State::Ready;
    entry.dirty = false;
    ready_.push_back(id);
}

void WorkQueue::add(const std::string& id) {
    auto [it, inserted] = entries_.try_emplace(id);
    Entry& entry = it->second;
    if (inserted) {
        make_ready(id, entry);
        return;
    }
    switch (entry.state) {
        case State::Ready:
            return;  // coalesced
        case State::InProgress:
            entry.dirty = true;
            return;
        case State::Waiting: {
            // New information beats the backoff: the reason it failed may be gone.
            auto [first, last] = waiting_.equal_range(entry.due);
            for (auto w = first; w != last; ++w) {
                if (w->second == id) {
                    waiting_.erase(w);
                    break;
                }
            }
            make_ready(id, entry);
            return;
        }
    }
}

std::optional<std::string> WorkQueue::take(Clock::time_point now) {
    while (!waiting_.empty() && waiting_.begin()->first <= now) {
        const std::string id = waiting_.begin()->second;
        waiting_.erase(waiting_.begin());
        make_ready(id, entries_.at(id));
    }
    if (ready_.empty()) return std::nullopt;
    std::string id = std::move(ready_.front());
    ready_.pop_front();
    entries_.at(id).state = State::InProgress;
    return id;
}

void WorkQueue::done(const std::string& id, bool succeeded, Clock::time_point now) {
    auto it = entries_.find(id);
    assert(it != entries_.end() && it->second.state == State::InProgress);
    if (it == entries_.end()) return;
    Entry& entry = it->second;
    if (succeeded) {
        entry.failures = 0;
        if (entry.dirty) {
            make_ready(id, entry);
        } else {
            entries_.erase(it);
        }
        return;
    }
    ++entry.failures;
    if (entry.dirty) {
        make_ready(id, entry);
        return;
    }
    auto delay = backoff_initial_;
    for (int i = 1; i < entry.failures && delay < backoff_max_; ++i)
        delay *= 2;
    entry.state = State::Waiting;
    entry.due = now + std::min(delay, backoff_max_);
    waiting_.emplace(entry.due, id);
}

std::optional<WorkQueue::Clock::time_point> WorkQueue::next_due() const {
    if (!ready_.empty()) return Clock::time_point::min();
    if (waiting_.empty()) return std::nullopt;
    return waiting_.begin()->first;
}

int WorkQueue::failures(const std::string& id) const {
    const auto it = entries_.find(id);
    return it == entries_.end() ? 0 : it->second.failures;
}

}  // namespace ambient::controlplane
