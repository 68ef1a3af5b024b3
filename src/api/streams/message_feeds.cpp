#include "api/streams/message_feeds.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include <boost/asio/post.hpp>

#include "api/sse.hpp"

namespace ambient::api::streams {

namespace net = boost::asio;

namespace {

// A failed read (the database away) is tried again after this long, even without a new
// notification.
constexpr auto kRetryDelay = std::chrono::seconds(1);
constexpr std::int64_t kReadCount = 256;

struct Frame {
    std::int64_t seq = 0;
    std::shared_ptr<const std::string> text;
};

}  // namespace

std::string render_message_frame(const SessionMessage& message) {
    return sse_event(std::to_string(message.seq), message.to_json().dump());
}

struct MessageFeeds::Reader {
    std::shared_ptr<Wakeup> wakeup;  // null until attached
};

// Guarded by MessageFeeds::mutex_, except `retry` (touched from the pool only).
struct MessageFeeds::Feed {
    Feed(std::string id, net::thread_pool& pool) : session_id(std::move(id)), retry(pool.get_executor()) {}
    const std::string session_id;
    std::deque<Frame> frames;
    std::size_t bytes = 0;
    std::int64_t floor = 0;
    std::int64_t head = 0;
    bool reading = false;
    bool dirty = false;
    bool failing = false;  // the last read failed
    std::unordered_set<std::shared_ptr<Reader>> readers;
    net::steady_timer retry;
};

MessageFeeds::MessageFeeds(store::Database& db, net::thread_pool& pool, MessageFeedOptions options)
    : db_(db), pool_(pool), options_(options) {}

MessageFeeds::~MessageFeeds() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, feed] : feeds_)
        feed->retry.cancel();
}

std::size_t MessageFeeds::feed_count() const {
    std::lock_guard lock(mutex_);
    return feeds_.size();
}

std::unique_ptr<MessageFeeds::Subscription> MessageFeeds::subscribe(const std::string& session_id) {
    auto reader = std::make_shared<Reader>();
    {
        std::lock_guard lock(mutex_);
        if (auto it = feeds_.find(session_id); it != feeds_.end()) {
            it->second->readers.insert(reader);
            return std::unique_ptr<Subscription>(new Subscription(*this, it->second, reader));
        }
    }
    // A new feed starts after what is committed now; a message committed meanwhile is read
    // by the feed (it notifies after its commit) or by the reader from the table.
    std::int64_t newest = 0;
    {
        auto lease = db_.acquire();
        const auto rs = lease->exec("SELECT MAX(seq) FROM session_messages WHERE session_id = ?", {session_id});
        if (!rs.rows.empty()) {
            if (const auto* seq = std::get_if<std::int64_t>(&rs.rows[0][0])) newest = *seq;
        }
    }
    std::lock_guard lock(mutex_);
    auto& feed = feeds_[session_id];
    if (!feed) {
        feed = std::make_shared<Feed>(session_id, pool_);
        feed->floor = feed->head = newest;
    }
    feed->readers.insert(reader);
    return std::unique_ptr<Subscription>(new Subscription(*this, feed, reader));
}

void MessageFeeds::leave(const std::shared_ptr<Feed>& feed, const std::shared_ptr<Reader>& reader) {
    std::lock_guard lock(mutex_);
    feed->readers.erase(reader);
    if (!feed->readers.empty()) return;
    if (auto it = feeds_.find(feed->session_id); it != feeds_.end() && it->second == feed) feeds_.erase(it);
    feed->retry.cancel();
}

void MessageFeeds::on_notify(std::string_view session_id) {
    std::vector<std::shared_ptr<Feed>> to_read;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        if (session_id.empty()) {
            for (auto& [id, feed] : feeds_)
                to_read.push_back(feed);
        } else if (auto it = feeds_.find(std::string(session_id)); it != feeds_.end()) {
            to_read.push_back(it->second);
        }
    }
    for (const auto& feed : to_read)
        start_read(feed);
}

void MessageFeeds::start_read(const std::shared_ptr<Feed>& feed) {
    {
        std::lock_guard lock(mutex_);
        if (feed->reading) {
            feed->dirty = true;
            return;
        }
        feed->reading = true;
    }
    net::post(pool_, [this, feed] { read_loop(feed); });
}

void MessageFeeds::read_loop(std::shared_ptr<Feed> feed) {
    for (;;) {
        std::int64_t after = 0;
        {
            std::lock_guard lock(mutex_);
            feed->dirty = false;
            after = feed->head;
        }
        MessagePage page;
        try {
            auto lease = db_.acquire();
            page = messages_after(*lease, feed->session_id, after,
                                  {.max_count = kReadCount, .max_bytes = options_.read_bytes});
        } catch (const std::exception& e) {
            std::lock_guard lock(mutex_);
            // Once per outage and session, not once a second.
            if (!feed->failing) {
                spdlog::warn("message fan-out: cannot read session {}'s new messages, retrying every second: {}",
                             feed->session_id, e.what());
            }
            feed->failing = true;
            if (stopping_ || feed->readers.empty()) {
                feed->reading = false;
                return;
            }
            feed->retry.expires_after(kRetryDelay);
            feed->retry.async_wait([this, feed](const boost::system::error_code& ec) {
                if (!ec) read_loop(feed);
            });
            return;
        }
        std::vector<Frame> fresh;
        fresh.reserve(page.messages.size());
        for (const auto& m : page.messages)
            fresh.push_back({m.seq, std::make_shared<const std::string>(render_message_frame(m))});

        std::vector<std::shared_ptr<Wakeup>> wake;
        bool again = false;
        {
            std::lock_guard lock(mutex_);
            if (std::exchange(feed->failing, false)) recoveries_.fetch_add(1, std::memory_order_acq_rel);
            for (auto& f : fresh) {
                if (f.seq <= feed->head) continue;
                feed->head = f.seq;
                feed->bytes += f.text->size();
                feed->frames.push_back(std::move(f));
            }
            while (!feed->frames.empty() &&
                   (feed->frames.size() > options_.max_messages || feed->bytes > options_.max_bytes)) {
                feed->floor = feed->frames.front().seq;
                feed->bytes -= feed->frames.front().text->size();
                feed->frames.pop_front();
            }
            if (!fresh.empty()) {
                for (const auto& reader : feed->readers) {
                    if (reader->wakeup) wake.push_back(reader->wakeup);
                }
            }
            again = (page.more || feed->dirty) && !stopping_ && !feed->readers.empty();
            if (!again) feed->reading = false;
        }
        for (const auto& w : wake)
            w->notify();
        if (!again) return;
    }
}

void MessageFeeds::wake_all() {
    std::vector<std::shared_ptr<Wakeup>> wake;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, feed] : feeds_) {
            for (const auto& reader : feed->readers) {
                if (reader->wakeup) wake.push_back(reader->wakeup);
            }
        }
    }
    for (const auto& w : wake)
        w->notify();
}

MessageFeeds::Subscription::~Subscription() {
    feeds_.leave(feed_, reader_);
}

void MessageFeeds::Subscription::attach(std::shared_ptr<Wakeup> wakeup) {
    std::lock_guard lock(feeds_.mutex_);
    reader_->wakeup = std::move(wakeup);
}

MessageFeeds::Batch MessageFeeds::Subscription::take(std::int64_t cursor) const {
    Batch batch;
    std::lock_guard lock(feeds_.mutex_);
    batch.floor = feed_->floor;
    if (cursor < feed_->floor) {
        batch.behind = true;
        batch.cursor = cursor;
        return batch;
    }
    const auto& frames = feed_->frames;
    auto it = std::upper_bound(frames.begin(), frames.end(), cursor,
                               [](std::int64_t c, const Frame& f) { return c < f.seq; });
    for (; it != frames.end(); ++it)
        batch.frames.push_back(it->text);
    batch.cursor = std::max(cursor, feed_->head);
    return batch;
}

}  // namespace ambient::api::streams
