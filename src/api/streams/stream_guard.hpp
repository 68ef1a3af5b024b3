#pragma once
// What keeps an open stream entitled to run. A stream outlives the request that opened it,
// so the checks that request passed are made again: the stream ends when its caller's token
// expires, when the caller's role bindings change and no longer allow it, when the session it
// is about is deleted, and — for a runner — when its session's run stops. The client then
// reconnects and authenticates again.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "api/auth/principal.hpp"
#include "api/context.hpp"
#include "api/streams/event_log.hpp"
#include "api/streams/stream_faults.hpp"

namespace ambient::api::streams {

class StreamGuard {
public:
    // `session_id`: the session the stream is about, and `permission` what it needs there;
    // both empty for a watch (whose filter follows the caller's access instead).
    StreamGuard(ApiContext& ctx, Principal principal, std::string session_id, std::string permission);

    // From the stream's coroutine: registers for the events that call for a recheck, which
    // then wake `wakeup`.
    void attach(std::shared_ptr<Wakeup> wakeup);

    // When the caller's token stops being accepted (far future for service tokens).
    std::chrono::steady_clock::time_point expiry() const { return expiry_; }

    enum class Verdict {
        Keep,           // nothing changed that matters
        AccessChanged,  // the caller's access was reloaded (a watch refilters)
        Revoked,        // no longer allowed: end the stream
        Expired,        // the token expired: end the stream
        Unavailable,    // the database could not say: end the stream (the client resumes)
    };
    // Whether the stream must end with ending_comment(verdict).
    static bool ends(Verdict verdict) { return verdict != Verdict::Keep && verdict != Verdict::AccessChanged; }
    // After each wake-up: whether check() has anything to do (a plain call, so that a
    // stream woken for new data pays nothing more).
    bool check_due() const;
    // Reloads on the stream pool when a recheck is due.
    boost::asio::awaitable<Verdict> check();

    const Principal& principal() const { return principal_; }

private:
    ApiContext& ctx_;
    Principal principal_;
    std::string session_id_;
    std::string permission_;
    std::chrono::steady_clock::time_point expiry_;
    std::unique_ptr<EventLog::Follow> follow_;
};

// The text of a stream's last words: an SSE comment naming why it ends, or, for a database
// fault, kDatabaseErrorFrame (counted in `stats`, when given).
std::string ending_comment(StreamGuard::Verdict verdict, StreamStats* stats = nullptr);

}  // namespace ambient::api::streams
