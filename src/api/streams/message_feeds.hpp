#pragma once
// The fan-out of session messages to open message streams. Each session that has readers
// has one feed: woken by the notifier (keyed by the session), it reads the session's new
// messages once, renders each SSE frame once, keeps the newest in memory and wakes the
// session's readers, who send the shared frames. A reader further behind than memory (a
// resume from an old seq, a slow reader) reads the table itself, in bounded batches, until
// it catches up.
//
// Memory holds every message of the session with a seq in (floor, head]. Per session, seq
// values commit in order (session_message_store.cpp), so reading "after head" never skips
// one committed late.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/session_message_store.hpp"
#include "api/store/database.hpp"
#include "api/streams/wakeup.hpp"

namespace ambient::api::streams {

// The SSE frame of one message: "id: <seq>\ndata: <message JSON>\n\n".
std::string render_message_frame(const SessionMessage& message);

struct MessageFeedOptions {
    std::size_t max_messages = 1024;          // per session in memory
    std::size_t max_bytes = 4 * 1024 * 1024;  // per session in memory
    std::int64_t read_bytes = 1024 * 1024;    // per read of the table
};

class MessageFeeds {
    struct Feed;
    struct Reader;

public:
    MessageFeeds(store::Database& db, boost::asio::thread_pool& pool, MessageFeedOptions options = {});
    ~MessageFeeds();
    MessageFeeds(const MessageFeeds&) = delete;
    MessageFeeds& operator=(const MessageFeeds&) = delete;

    // New messages of `session_id` may have been committed ("": of any session). Thread-safe.
    void on_notify(std::string_view session_id);
    // Wakes every reader (shutdown).
    void wake_all();

    struct Batch {
        std::vector<std::shared_ptr<const std::string>> frames;  // to send, in order
        std::int64_t cursor = 0;                                 // the reader's seq after them
        bool behind = false;  // older than memory: read the table for (cursor, floor] first
        std::int64_t floor = 0;
    };

    // A reader of one session's messages; leaves the feed when destroyed.
    class Subscription {
    public:
        ~Subscription();
        Subscription(const Subscription&) = delete;
        Subscription& operator=(const Subscription&) = delete;
        // From the stream's coroutine, before its first take(): how to wake it.
        void attach(std::shared_ptr<Wakeup> wakeup);
        // The messages after `cursor` from memory.
        Batch take(std::int64_t cursor) const;

    private:
        friend class MessageFeeds;
        Subscription(MessageFeeds& feeds, std::shared_ptr<Feed> feed, std::shared_ptr<Reader> reader)
            : feeds_(feeds), feed_(std::move(feed)), reader_(std::move(reader)) {}
        MessageFeeds& feeds_;
        std::shared_ptr<Feed> feed_;
        std::shared_ptr<Reader> reader_;
    };

    // Joins the session's feed. Blocking (a handler's thread): a new feed starts at the
    // session's newest committed message.
    std::unique_ptr<Subscription> subscribe(const std::string& session_id);

    // Sessions with a feed, for tests and metrics.
    std::size_t feed_count() const;
    // How many times a feed's read succeeded after a failed one (the database came back):
    // a stream that saw this change lived through a fault (stream_faults.hpp).
    std::uint64_t recoveries() const { return recoveries_.load(std::memory_order_acquire); }

private:
    void start_read(const std::shared_ptr<Feed>& feed);
    void read_loop(std::shared_ptr<Feed> feed);
    void leave(const std::shared_ptr<Feed>& feed, const std::shared_ptr<Reader>& reader);

    store::Database& db_;
    boost::asio::thread_pool& pool_;
    const MessageFeedOptions options_;

    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Feed>> feeds_;
    bool stopping_ = false;
    std::atomic<std::uint64_t> recoveries_{0};
};

}  // namespace ambient::api::streams
