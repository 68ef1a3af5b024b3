#include "cli/event_follower.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <exception>
#include <iostream>
#include <random>
#include <thread>

#include "cli/errors.hpp"

namespace ambient::cli {
namespace {

constexpr auto kFirstRetry = std::chrono::milliseconds(250);
constexpr auto kLastRetry = std::chrono::milliseconds(4000);
// How often a wait looks at the stop flag: Ctrl-C during a backoff ends it this soon.
constexpr auto kStopPoll = std::chrono::milliseconds(50);

std::atomic<bool> interrupt_flag{false};

void on_interrupt(int) {
    interrupt_flag.store(true);
}

// Doubling, capped, with jitter in [delay/2, delay]: followers of a restarted server do
// not all come back in the same instant.
class Backoff {
public:
    std::chrono::milliseconds next() {
        const auto delay = delay_;
        delay_ = std::min(delay_ * 2, kLastRetry);
        return std::chrono::milliseconds(
            std::uniform_int_distribution<long long>(delay.count() / 2, delay.count())(random_));
    }
    void reset() { delay_ = kFirstRetry; }

private:
    std::chrono::milliseconds delay_ = kFirstRetry;
    std::mt19937_64 random_{std::random_device{}()};
};

void wait_unless_stopped(std::chrono::milliseconds delay, const std::atomic<bool>& stop) {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (!stop.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(kStopPoll);
}

// Statuses that a server coming back, or a runner restarting, will change.
bool passes(int status) {
    return status >= 500 || status == 429 || status == 408;
}

// One connection's outcome.
struct Attempt {
    client::HttpResponse response;
    bool opened = false;       // a 2xx response began
    bool finished = false;     // on_event said Stop
    bool error_event = false;  // the server sent an `error` event: it could not go on
    bool stalled = false;      // nothing at all, not even a ping, for the idle timeout
    std::string transport_error;
    std::exception_ptr failure;  // thrown by on_event
};

Attempt connect_once(const Api& api, const FollowRequest& request, std::string& last_id,
                     const std::function<FollowVerdict(const SseEvent&)>& on_event, const std::atomic<bool>& stop) {
    Attempt attempt;
    client::Headers headers;
    if (!last_id.empty()) headers.emplace_back("Last-Event-ID", last_id);
    SseParser parser;
    // These run inside libcurl, through which nothing may be thrown: failures are kept.
    const auto on_data = [&](std::string_view bytes) {
        try {
            for (const auto& event : parser.feed(bytes)) {
                if (event.event == "error" || event.event == "ERROR") {
                    // Not the caller's: the stream is resumed after the last event shown.
                    attempt.error_event = true;
                    return false;
                }
                if (!event.id.empty()) last_id = event.id;
                if (on_event(event) == FollowVerdict::Stop) {
                    attempt.finished = true;
                    return false;
                }
            }
            return !stop.load();
        } catch (...) {
            attempt.failure = std::current_exception();
            return false;
        }
    };
    const auto on_open = [&](const client::HttpResponse&) {
        attempt.opened = true;
        return true;
    };
    try {
        attempt.response = api.stream(request.path, headers, on_data, &stop, request.idle_timeout, on_open);
    } catch (const client::StreamStalled& e) {
        attempt.stalled = true;
        attempt.transport_error = e.what();
    } catch (const client::TransportError& e) {
        attempt.transport_error = e.what();
    }
    return attempt;
}

// Why an opened stream ended, for the line that says it is being resumed.
std::string end_reason(const Attempt& attempt) {
    if (attempt.error_event) return "ended by an error event from the server";
    if (attempt.stalled) return "stalled: " + attempt.transport_error;
    if (!attempt.transport_error.empty()) return "broken: " + attempt.transport_error;
    return "closed by the server";
}

}  // namespace

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
    std::vector<SseEvent> done;
    pending_.append(bytes);
    std::size_t start = 0;
    for (;;) {
        const auto end = pending_.find('\n', start);
        if (end == std::string::npos) break;
        std::string_view line(pending_.data() + start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        take_line(line, done);
        start = end + 1;
    }
    pending_.erase(0, start);
    return done;
}

void SseParser::take_line(std::string_view line, std::vector<SseEvent>& done) {
    if (line.empty()) {
        if (has_data_) done.push_back(current_);
        // The id persists between events (the spec's "last event ID buffer"); the rest does not.
        current_.event.clear();
        current_.data.clear();
        has_data_ = false;
        return;
    }
    if (line.front() == ':') return;  // a comment: ": ping"
    const auto colon = line.find(':');
    const auto field = line.substr(0, colon);
    auto value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
        if (has_data_) current_.data += '\n';
        current_.data.append(value);
        has_data_ = true;
    } else if (field == "id") {
        current_.id = std::string(value);
    } else if (field == "event") {
        current_.event = std::string(value);
    }
}

void follow_stream(const std::function<Api()>& make_api, FollowRequest request,
                   const std::function<FollowVerdict(const SseEvent&)>& on_event, const std::atomic<bool>& stop) {
    Backoff backoff;
    bool connected_once = false;
    std::string last_id = request.last_event_id;
    while (!stop.load()) {
        const Api api = make_api();
        auto attempt = connect_once(api, request, last_id, on_event, stop);
        if (attempt.failure) std::rethrow_exception(attempt.failure);
        if (attempt.finished || stop.load()) return;
        if (attempt.opened) {
            connected_once = true;
            backoff.reset();
            // One line per resume, on stderr (stdout is the events), without headers or tokens.
            std::cerr << "acpctl: " << request.context << ": stream " << end_reason(attempt) << "; "
                      << (last_id.empty() ? std::string("reconnecting") : "resuming after event " + last_id) << '\n';
        } else {
            if (!attempt.transport_error.empty()) {
                if (!connected_once)
                    throw CliError(request.context + ": cannot reach the API server at " + api.options().api_url +
                                       ": " + attempt.transport_error,
                                   kExitServer);
            } else if (!connected_once || !passes(attempt.response.status)) {
                Api::fail(attempt.response, request.context);
            }
            if (::isatty(STDERR_FILENO) == 1) std::cerr << "(stream interrupted; reconnecting)\n";
        }
        wait_unless_stopped(backoff.next(), stop);
    }
}

const std::atomic<bool>& interrupted() {
    static const bool installed = [] {
        std::signal(SIGINT, on_interrupt);
        std::signal(SIGTERM, on_interrupt);
        return true;
    }();
    (void)installed;
    return interrupt_flag;
}

}  // namespace ambient::cli
