#pragma once
// Tells the parts that follow new rows (watch events, session messages) that a change has
// been committed — in this process, or, on PostgreSQL, in any process on the same database
// (LISTEN/NOTIFY). A notification carries at most a key (for messages: the session's id) and
// never data: a listener re-reads its table after its own cursor, so a lost or duplicated
// notification can never lose or duplicate a row. An empty key means "anything may have
// changed" (a missed notification, a shutdown): listeners then re-read everything they follow.
#include <utility>  // Boost 1.74's awaitable.hpp needs std::exchange

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "api/store/database.hpp"

namespace ambient::api {

enum class Channel { Events = 0, Messages = 1 };
inline constexpr int kChannelCount = 2;

class Notifier {
public:
    Notifier();
    ~Notifier();
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    // Called on the notifying thread for every notification of its channel, with its key;
    // must be quick (hand real work to another thread) and must not call notify().
    using Listener = std::function<void(std::string_view key)>;

    // A counter that increases on every notify(channel): what was loaded at one generation
    // is current while the generation stays the same (the access cache).
    std::uint64_t generation(Channel channel) const;
    // Adds a listener until clear_listeners(). Thread-safe.
    void listen(Channel channel, Listener listener);
    // Drops every listener (before what they reach goes away). Thread-safe.
    void clear_listeners();
    // Increments the generation and calls the channel's listeners. Thread-safe; call after
    // the transaction that wrote the rows has committed.
    void notify(Channel channel, std::string_view key = {});
    // After a write transaction has committed: notify(channel) here and, once
    // listen_postgres() has started, a NOTIFY on PostgreSQL for the other processes, sent
    // after the commit from a connection of its own (pg_publisher.hpp). Thread-safe.
    void publish(Channel channel);
    // notify() with no key on every channel: at shutdown (streams then see that the server
    // is stopping) and when notifications from other processes may have been missed.
    void notify_all();

    // Inside a write transaction on PostgreSQL: queue a NOTIFY carrying `key` that every
    // server process LISTENing on this database receives when the transaction commits.
    // No-op on SQLite.
    static void notify_in_transaction(store::Connection& conn, Channel channel, std::string_view key = {});

    // Starts a thread that LISTENs on the PostgreSQL database at `url` and calls notify()
    // with its payload as the key for every notification (reconnecting when the connection drops, and notifying all
    // channels after a reconnect, since notifications may have been missed), and the
    // publisher that publish() hands its NOTIFYs to. No-op for SQLite. Stopped by the
    // destructor.
    void listen_postgres(const std::string& url);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace ambient::api
