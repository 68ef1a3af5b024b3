#pragma once
// A stream's pings: one ": ping" comment whenever the stream has sent nothing for its ping
// interval, which also finds out whether the client left. Watch and message streams rest
// here between batches, and between attempts while the database is away, so a stream never
// goes silent for longer than the interval whatever it waits for.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>

#include <boost/asio/awaitable.hpp>

#include "api/streams/wakeup.hpp"
#include "common/http/stream.hpp"

namespace ambient::api::streams {

class Heartbeat {
public:
    using Clock = std::chrono::steady_clock;

    explicit Heartbeat(std::chrono::seconds interval) : interval_(interval), last_write_(Clock::now()) {}

    // The stream sent something.
    void wrote() { last_write_ = Clock::now(); }
    // Sleeps until `wakeup` is notified, `deadline`, or a ping is due, and sends the ping
    // if it is. False when the client is gone (the stream should end).
    boost::asio::awaitable<bool> rest(Wakeup& wakeup, http::StreamWriter& writer, Clock::time_point deadline);

private:
    std::chrono::seconds interval_;
    Clock::time_point last_write_;
};

}  // namespace ambient::api::streams
