#include "api/streams/event_log.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

#include <boost/asio/post.hpp>

#include "api/repository.hpp"
#include "api/sse.hpp"

namespace ambient::api::streams {

namespace net = boost::asio;

namespace {

// A failed read (the database away) is tried again after this long, even without a new
// notification, so that streams are not left waiting for the next write.
constexpr auto kRetryDelay = std::chrono::seconds(1);
constexpr std::int64_t kReadRows = 500;
constexpr std::int64_t kReadBytes = 4 * 1024 * 1024;
// While events wait behind an unsettled id, the log reads again after this long even
// without a notification (a rolled-back writer sends none).
constexpr auto kRecheckDelay = std::chrono::milliseconds(10);
// On PostgreSQL, other processes announce their commits with a NOTIFY sent after the commit
// (Notifier::publish); one that dies in between sends none, so the log also reads this
// often without one.
constexpr auto kMissedNotifyDelay = std::chrono::seconds(1);
// How long a new log waits at startup for writers in progress before reading everything.
constexpr auto kSettlePatience = std::chrono::seconds(10);

std::string_view wire_type(std::string_view stored) {
    if (stored == event_type_name(EventType::Created)) return "CREATED";
    if (stored == event_type_name(EventType::Deleted)) return "DELETED";
    return "UPDATED";
}

// The index of watches: a kind and a project ("" for the watches of every project).
std::string watch_key(std::string_view source, std::string_view project) {
    std::string key(source);
    key += '/';
    key += project;
    return key;
}

}  // namespace

std::string render_watch_frame(const EventRow& row) {
    const auto type = wire_type(row.type);
    // The object is spliced in as stored: it is JSON already rendered for this API.
    std::string data =
        "{\"type\":\"" + std::string(type) + "\",\"resource_id\":" + nlohmann::json(row.route.source_id).dump();
    if (row.object && type != "DELETED") data += ",\"object\":" + *row.object;
    data += '}';
    return sse_event(std::to_string(row.id), data);
}

bool is_sealed(const EventRow& row) {
    return !row.object && row.type != event_type_name(EventType::Deleted);
}

struct EventLog::Entry {
    std::int64_t id = 0;
    std::string type;
    authz::EventRoute route;
    std::shared_ptr<const std::string> frame;  // null when it was sealed before it was read
    // The object was deleted since: streams replaying this event (it is older than the
    // stream) skip it, as they would in the table; streams that were open get it as it came.
    bool sealed = false;
    std::size_t bytes = 0;
};

struct EventLog::Registration {
    std::shared_ptr<Wakeup> wakeup;
    // A watch: its kind, project and what its caller may see (guarded by the log's mutex).
    std::string source;
    std::string project;
    authz::EventVisibility visibility;
    // A follow.
    FollowWhat what;
    std::atomic<bool> recheck{false};
};

EventLog::EventLog(store::Database& db, net::thread_pool& pool, EventLogOptions options)
    : db_(db), pool_(pool), options_(options), retry_timer_(pool.get_executor()), recheck_timer_(pool.get_executor()) {
    try {
        auto lease = db_.acquire();
        head_ = floor_ = frontier_.settle_newest(*lease, kSettlePatience);
    } catch (const std::exception& e) {
        // Before migrations (tools that build an App to walk its routes; a server migrates
        // first), or a writer that would not end. Reading from the start is correct,
        // merely slower.
        spdlog::warn("watch fan-out: cannot read the newest event, starting from the first: {}", e.what());
    }
}

EventLog::~EventLog() {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    lock.unlock();
    retry_timer_.cancel();
    recheck_timer_.cancel();
}

std::int64_t EventLog::head() const {
    std::lock_guard lock(mutex_);
    return head_;
}

std::int64_t EventLog::open_position(store::Connection& conn) {
    return frontier_.advance(conn, head(), kReadRows).position;
}

void EventLog::on_notify() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        if (reading_) {
            dirty_ = true;
            return;
        }
        reading_ = true;
    }
    net::post(pool_, [this] { read_loop(); });
}

void EventLog::read_loop() {
    for (;;) {
        std::int64_t position = 0;
        {
            std::lock_guard lock(mutex_);
            dirty_ = false;
            position = head_;
        }
        EventRange range;
        Frontier frontier;
        std::unordered_map<std::string, std::int64_t> starts;
        try {
            auto lease = db_.acquire();
            frontier = frontier_.advance(*lease, position, kReadRows);
            range.next_position = position;
            if (frontier.position > position) {
                range = read_events_after(*lease, position,
                                          {.max_rows = kReadRows, .max_bytes = kReadBytes, .until = frontier.position});
            }
            std::vector<std::string> unknown;
            {
                std::lock_guard lock(mutex_);
                for (const auto& row : range.rows) {
                    const auto& project = row.route.project_id;
                    if (!project.empty() && !incarnations_.contains(project) &&
                        std::find(unknown.begin(), unknown.end(), project) == unknown.end()) {
                        unknown.push_back(project);
                    }
                }
            }
            starts = incarnation_starts(*lease, unknown);
        } catch (const std::exception& e) {
            // Once per outage, not once a second: the recovery is logged too.
            bool first = false;
            {
                std::lock_guard lock(mutex_);
                first = !failing_;
            }
            if (first) {
                spdlog::warn("watch fan-out: cannot read new events, retrying every second: {}", e.what());
            } else {
                spdlog::debug("watch fan-out: cannot read new events: {}", e.what());
            }
            retry_later();
            return;
        }
        bool recovered = false;
        {
            std::lock_guard lock(mutex_);
            recovered = std::exchange(failing_, false);
        }
        if (recovered) {
            recoveries_.fetch_add(1, std::memory_order_acq_rel);
            spdlog::info("watch fan-out: reading events again");
        }
        const bool more = range.more || frontier.more;
        if (frontier.waiting) {
            recheck_after(kRecheckDelay);
        } else if (db_.dialect() == store::Dialect::Postgres) {
            recheck_after(kMissedNotifyDelay);
        }
        std::vector<std::shared_ptr<Wakeup>> wake;
        bool again = false;
        {
            std::lock_guard lock(mutex_);
            append(std::move(range), std::move(starts), wake);
            again = (more || dirty_) && !stopping_;
            if (!again) reading_ = false;
        }
        for (const auto& w : wake)
            w->notify();
        if (!again) return;
    }
}

void EventLog::retry_later() {
    std::lock_guard lock(mutex_);
    failing_ = true;
    if (stopping_) {
        reading_ = false;
        return;
    }
    retry_timer_.expires_after(kRetryDelay);
    retry_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        read_loop();
    });
}

void EventLog::recheck_after(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    recheck_timer_.expires_after(delay);
    recheck_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) on_notify();
    });
}

void EventLog::append(EventRange range, std::unordered_map<std::string, std::int64_t> starts,
                      std::vector<std::shared_ptr<Wakeup>>& wake) {
    std::unordered_set<Registration*> woken;
    auto wake_once = [&](const std::shared_ptr<Registration>& reg) {
        if (woken.insert(reg.get()).second) wake.push_back(reg->wakeup);
    };
    auto recheck_all = [&](auto& index, const std::string& key, bool phase_change) {
        auto it = index.find(key);
        if (it == index.end()) return;
        for (const auto& reg : it->second) {
            if (phase_change && !reg->what.session_phase) continue;
            reg->recheck = true;
            wake_once(reg);
        }
    };

    for (auto& [project, start] : starts)
        incarnations_.emplace(project, start);
    if (range.pruned) {
        // Events this log had not read yet were pruned: memory restarts after them, and
        // every watch finds itself behind, reads the table and is told to RESYNC.
        spdlog::warn("watch fan-out: events after {} were pruned before they were read", head_);
        entries_.clear();
        bytes_ = 0;
        head_ = floor_ = range.next_position;
        for (const auto& [source, regs] : watches_) {
            for (const auto& reg : regs)
                wake_once(reg);
        }
        return;
    }
    const std::string deleted = event_type_name(EventType::Deleted);
    for (auto& row : range.rows) {
        auto entry = std::make_shared<Entry>();
        entry->id = row.id;
        entry->type = row.type;
        if (!is_sealed(row)) entry->frame = std::make_shared<const std::string>(render_watch_frame(row));
        entry->bytes = (entry->frame ? entry->frame->size() : 0) + sizeof(Entry) + row.route.source_id.size();
        entry->route = std::move(row.route);
        const auto& route = entry->route;

        if (route.source == kProjectsSource && entry->type == event_type_name(EventType::Created)) {
            incarnations_[route.source_id] = entry->id;
        }
        if (entry->type == deleted) {
            for (auto& earlier : entries_) {
                if (earlier->route.source_id == route.source_id && earlier->route.source == route.source)
                    earlier->sealed = true;
            }
        }
        // Only the watches of this kind, of this project or of every project: a change
        // elsewhere costs the others nothing.
        if (entry->frame && in_incarnation(route.project_id, entry->id)) {
            for (const auto& key : {watch_key(route.source, route.project_id), watch_key(route.source, {})}) {
                auto it = watches_.find(key);
                if (it == watches_.end()) continue;
                for (const auto& reg : it->second) {
                    if (reg->visibility.sees(route)) wake_once(reg);
                }
            }
        }
        if (route.source == kRoleBindingsSource && !route.user_id.empty()) recheck_all(by_user_, route.user_id, false);
        if (route.source == kSessionsSource) recheck_all(by_session_, route.source_id, entry->type != deleted);

        bytes_ += entry->bytes;
        entries_.push_back(std::move(entry));
    }
    head_ = std::max(head_, range.next_position);
    while (!entries_.empty() && (entries_.size() > options_.max_events || bytes_ > options_.max_bytes)) {
        floor_ = entries_.front()->id;
        bytes_ -= entries_.front()->bytes;
        entries_.pop_front();
    }
}

bool EventLog::in_incarnation(const std::string& project, std::int64_t id) const {
    if (project.empty()) return true;
    auto it = incarnations_.find(project);
    return it == incarnations_.end() || id >= it->second;
}

void EventLog::wake_all() {
    std::vector<std::shared_ptr<Wakeup>> wake;
    {
        std::lock_guard lock(mutex_);
        for (auto* index : {&watches_, &by_user_, &by_session_}) {
            for (const auto& [key, regs] : *index) {
                for (const auto& reg : regs)
                    wake.push_back(reg->wakeup);
            }
        }
    }
    for (const auto& w : wake)
        w->notify();
}

std::unique_ptr<EventLog::Watch> EventLog::watch(std::string source, std::string project,
                                                 authz::EventVisibility visibility, std::shared_ptr<Wakeup> wakeup) {
    auto reg = std::make_shared<Registration>();
    reg->wakeup = std::move(wakeup);
    reg->source = std::move(source);
    reg->project = std::move(project);
    reg->visibility = std::move(visibility);
    std::lock_guard lock(mutex_);
    watches_[watch_key(reg->source, reg->project)].insert(reg);
    return std::unique_ptr<Watch>(new Watch(*this, reg));
}

std::unique_ptr<EventLog::Follow> EventLog::follow(FollowWhat what, std::shared_ptr<Wakeup> wakeup) {
    auto reg = std::make_shared<Registration>();
    reg->wakeup = std::move(wakeup);
    reg->what = std::move(what);
    std::lock_guard lock(mutex_);
    if (!reg->what.username.empty()) by_user_[reg->what.username].insert(reg);
    if (!reg->what.session_id.empty()) by_session_[reg->what.session_id].insert(reg);
    return std::unique_ptr<Follow>(new Follow(*this, reg));
}

void EventLog::unregister(const std::shared_ptr<Registration>& reg) {
    std::lock_guard lock(mutex_);
    auto erase = [&reg](auto& index, const std::string& key) {
        auto it = index.find(key);
        if (it == index.end()) return;
        it->second.erase(reg);
        if (it->second.empty()) index.erase(it);
    };
    if (!reg->source.empty()) erase(watches_, watch_key(reg->source, reg->project));
    if (!reg->what.username.empty()) erase(by_user_, reg->what.username);
    if (!reg->what.session_id.empty()) erase(by_session_, reg->what.session_id);
}

EventLog::Watch::~Watch() {
    log_.unregister(reg_);
}

EventLog::Batch EventLog::Watch::take(std::int64_t position, std::int64_t opened) const {
    Batch batch;
    std::lock_guard lock(log_.mutex_);
    batch.floor = log_.floor_;
    if (position < log_.floor_ || (position < opened && log_.head_ < opened)) {
        batch.behind = true;
        batch.position = position;
        return batch;
    }
    const auto& entries = log_.entries_;
    auto it = std::upper_bound(entries.begin(), entries.end(), position,
                               [](std::int64_t p, const std::shared_ptr<Entry>& e) { return p < e->id; });
    for (; it != entries.end(); ++it) {
        const Entry& e = **it;
        if (!e.frame || (e.sealed && e.id <= opened) || e.route.source != reg_->source) continue;
        if (!reg_->project.empty() && reg_->project != e.route.project_id) continue;
        if (!log_.in_incarnation(e.route.project_id, e.id) || !reg_->visibility.sees(e.route)) continue;
        batch.frames.push_back(e.frame);
    }
    batch.position = std::max(position, log_.head_);
    return batch;
}

void EventLog::Watch::set_visibility(authz::EventVisibility visibility) {
    std::lock_guard lock(log_.mutex_);
    reg_->visibility = std::move(visibility);
}

bool EventLog::Watch::accepts(const EventRow& row,
                              const std::unordered_map<std::string, std::int64_t>& incarnations) const {
    if (is_sealed(row) || row.route.source != reg_->source) return false;
    if (!reg_->project.empty() && reg_->project != row.route.project_id) return false;
    if (!row.route.project_id.empty()) {
        auto it = incarnations.find(row.route.project_id);
        if (it != incarnations.end() && row.id < it->second) return false;
    }
    std::lock_guard lock(log_.mutex_);
    return reg_->visibility.sees(row.route);
}

EventLog::Follow::~Follow() {
    log_.unregister(reg_);
}

bool EventLog::Follow::recheck_due() {
    return reg_->recheck.exchange(false);
}

bool EventLog::Follow::recheck_pending() const {
    return reg_->recheck.load();
}

}  // namespace ambient::api::streams
