#pragma once
// Wakes the streams that wait for new rows (watch events, session messages) when a change
// has been committed — in this process, or, on PostgreSQL, in any process on the same
// database (LISTEN/NOTIFY). A wake-up carries no data: the woken stream re-reads the table
// after its cursor, so a lost or duplicated notification can never lose or duplicate a row.
//
// Use from a stream producer (a coroutine on a connection's executor):
//
//     auto seen = notifier.generation(Channel::Events);
//     rows = co_await run_blocking(pool, [&]{ return read_after(cursor); });
//     ... send rows ...
//     co_await notifier.wait(Channel::Events, seen, 30s);   // returns at once if anything
//                                                          // was notified since `seen`
#include <utility>  // Boost 1.74's awaitable.hpp needs std::exchange

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/awaitable.hpp>

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

    // A counter that increases on every notify(channel).
    std::uint64_t generation(Channel channel) const;
    // Increments the generation and wakes every waiter of the channel. Thread-safe; call
    // after the transaction that wrote the rows has committed.
    void notify(Channel channel);
    // notify() on every channel: at shutdown (waiting streams then see that the server is
    // stopping) and when notifications from other processes may have been missed.
    void notify_all();
    // Completes when the channel's generation differs from `seen` or after `timeout`.
    // Returns true when woken by a notification, false on timeout.
    boost::asio::awaitable<bool> wait(Channel channel, std::uint64_t seen, std::chrono::milliseconds timeout);

    // Inside a write transaction on PostgreSQL: queue a NOTIFY that every server process
    // LISTENing on this database receives when the transaction commits. No-op on SQLite.
    static void notify_in_transaction(store::Connection& conn, Channel channel);

    // Starts a thread that LISTENs on the PostgreSQL database at `url` and calls notify()
    // for every notification (reconnecting when the connection drops, and notifying all
    // channels after a reconnect, since notifications may have been missed). No-op for
    // SQLite. Stopped by the destructor.
    void listen_postgres(const std::string& url);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace ambient::api
