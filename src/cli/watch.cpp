#include "cli/watch.hpp"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <ostream>
#include <random>
#include <stop_token>
#include <thread>

#include "cli/errors.hpp"
#include "common/client/sse_parser.hpp"

namespace ambient::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Set by SIGINT or the watch timeout; the stream checks it about every 200 ms. A signal
// handler can only reach a global.
std::atomic<bool> g_stop{false};

extern "C" void on_interrupt(int) {
    g_stop.store(true);
}

// Ctrl-C ends the watch normally (exit 0) instead of killing the process; the previous
// handler is back once the watch is over.
class InterruptHandler {
public:
    InterruptHandler() {
        struct sigaction action {};
        action.sa_handler = &on_interrupt;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, &previous_);
    }
    ~InterruptHandler() { sigaction(SIGINT, &previous_, nullptr); }
    InterruptHandler(const InterruptHandler&) = delete;
    InterruptHandler& operator=(const InterruptHandler&) = delete;

private:
    struct sigaction previous_ {};
};

// Sets g_stop when `at` comes; destroyed earlier, it does nothing.
class Deadline {
public:
    explicit Deadline(Clock::time_point at)
        : thread_([this, at](std::stop_token token) {
              std::unique_lock lock(mutex_);
              wakeup_.wait_until(lock, token, at, [] { return false; });
              if (!token.stop_requested()) g_stop.store(true);
          }) {}

private:
    std::mutex mutex_;
    std::condition_variable_any wakeup_;
    std::jthread thread_;  // last: joined before the members it uses go
};

constexpr auto kFirstBackoff = std::chrono::milliseconds(200);
constexpr auto kMaxBackoff = std::chrono::seconds(5);

bool retryable_status(int status) {
    return status == 429 || status >= 500 || status == 0;
}

void sleep_unless_stopped(std::chrono::milliseconds duration) {
    const auto until = Clock::now() + duration;
    while (!g_stop.load() && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// The columns with the PHASE column (else the last one) reading DELETED: how a deleted
// object's last known row is shown.
std::vector<Column> deleted_columns(std::vector<Column> columns) {
    auto it = std::find_if(columns.begin(), columns.end(), [](const Column& c) { return c.header == "PHASE"; });
    if (it == columns.end()) it = columns.end() - 1;
    it->cell = [](const Json&) { return std::string("DELETED"); };
    return columns;
}

class Watcher {
public:
    Watcher(const Api& api, const WatchOptions& options, std::ostream& out)
        : api_(api), options_(options), out_(out), deleted_columns_(deleted_columns(options.columns)) {}

    void run() {
        if (!options_.json_lines) print_table_header(out_, options_.columns);
        out_.flush();
        auto backoff = std::chrono::milliseconds(kFirstBackoff);
        while (!g_stop.load()) {
            follow_once();
            // A stream that had opened (and ended: a server restart, an expired token) is
            // resumed after the shortest wait; failures to reach the server wait longer each
            // time, up to kMaxBackoff.
            if (opened_) backoff = kFirstBackoff;
            // Jitter, so that watchers of a restarted server do not all come back at once.
            sleep_unless_stopped(std::chrono::milliseconds(
                std::uniform_int_distribution<long long>(backoff.count() / 2, backoff.count())(random_)));
            if (!opened_) backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
        }
    }

private:
    // One connection: opens the stream, lists when needed, prints events until it ends.
    // Throws for a refusal a retry cannot cure.
    void follow_once() {
        opened_ = false;
        dropped_ = false;
        error_event_ = false;
        error_ = nullptr;
        client::SseParser parser([this](const client::SseEvent& e) { return on_event(e); });
        client::Headers headers;
        if (!last_event_id_.empty()) headers.emplace_back("Last-Event-ID", last_event_id_);
        client::HttpResponse response;
        std::string why;  // how an opened stream ended without being asked to
        try {
            response = api_.stream(
                options_.path + "?watch=true", headers,
                [&](std::string_view bytes) { return guarded([&] { return parser.feed(bytes); }); }, &g_stop,
                options_.idle_timeout,
                [this](const client::HttpResponse&) { return guarded([this] { return on_open(); }); });
            if (error_event_) {
                why = "ended by an error event from the server";
            } else if (opened_ && !dropped_ && !error_ && !g_stop.load()) {
                why = "closed by the server";
            }
        } catch (const client::StreamStalled& e) {
            why = std::string("stalled: ") + e.what();
        } catch (const client::TransportError& e) {
            if (opened_) why = std::string("broken: ") + e.what();
        }
        if (!why.empty() && !g_stop.load()) {
            // One line per resume, on stderr, so that a table on stdout stays a table.
            std::cerr << "acpctl: watch " << options_.plural << ": stream " << why << "; "
                      << (last_event_id_.empty() ? std::string("listing again")
                                                 : "resuming after event " + last_event_id_)
                      << '\n';
        }
        if (error_) rethrow_unless_transient();
        if (!opened_ && !g_stop.load() && !retryable_status(response.status))
            Api::fail(response, "watch " + options_.plural);
    }

    // libcurl's callbacks must not throw: a failure is kept and the stream stopped.
    template <typename F>
    bool guarded(F&& body) {
        try {
            const bool go_on = body();
            dropped_ = dropped_ || !go_on;
            return go_on;
        } catch (...) {
            error_ = std::current_exception();
            return false;
        }
    }

    void rethrow_unless_transient() {
        try {
            std::rethrow_exception(error_);
        } catch (const CliError& e) {
            if (e.exit_code() != kExitServer) throw;
        }
    }

    bool on_open() {
        opened_ = true;
        // Without an event id to resume from, the stream starts at the current end: what
        // changed before it opened is only in a fresh list.
        if (last_event_id_.empty()) relist();
        return true;
    }

    bool on_event(const client::SseEvent& event) {
        if (event.event == "error" || event.event == "ERROR") {
            // The server could not go on (its database away, a failover): resume after the
            // last change shown, from a fresh connection.
            error_event_ = true;
            return false;
        }
        if (!event.id.empty()) last_event_id_ = event.id;
        if (event.event == "RESYNC") {
            relist();
            return true;
        }
        const auto data = Json::parse(event.data, nullptr, false);
        if (!data.is_object()) return true;
        const auto type = data.value("type", "");
        if (type == "DELETED") {
            forget(data.value("resource_id", ""));
        } else if (const auto it = data.find("object"); it != data.end() && it->is_object()) {
            remember(type, *it);
        }
        return true;
    }

    // Prints what differs between the list and what was shown: new or changed objects, and
    // those gone since.
    void relist() {
        std::map<std::string, Json> listed;
        for (auto& item : api_.list_all(options_.path, "list " + options_.plural))
            listed.emplace(item.value("id", ""), std::move(item));
        for (const auto& [id, object] : listed) {
            const auto it = known_.find(id);
            if (it == known_.end() || it->second != object) show("LISTED", object);
        }
        for (const auto& [id, object] : known_) {
            if (!listed.contains(id)) show_deleted(id, object);
        }
        known_ = std::move(listed);
    }

    void remember(const std::string& type, const Json& object) {
        const auto id = object.value("id", "");
        const auto it = known_.find(id);
        // A change the list already showed (committed between the stream's opening and
        // the list) is not printed twice, nor a state older than the one shown.
        if (it != known_.end() && (it->second == object || is_older(object, it->second))) return;
        known_[id] = object;
        show(type, object);
    }

    void forget(const std::string& id) {
        const auto it = known_.find(id);
        const Json last = it == known_.end() ? Json{{"id", id}} : it->second;
        if (it != known_.end()) known_.erase(it);
        show_deleted(id, last);
    }

    static bool is_older(const Json& object, const Json& than) {
        const auto a = object.value("updated_at", "");
        const auto b = than.value("updated_at", "");
        return !a.empty() && !b.empty() && a < b;
    }

    // {"type","resource_id","object"} in that order, as the server's frames read.
    static std::string event_line(const std::string& type, const std::string& id, const Json& object) {
        return "{\"type\":" + Json(type).dump() + ",\"resource_id\":" + Json(id).dump() +
               ",\"object\":" + object.dump() + "}";
    }

    void show(const std::string& type, const Json& object) {
        if (options_.json_lines)
            out_ << event_line(type, object.value("id", ""), object) << '\n';
        else
            print_table_row(out_, options_.columns, object);
        out_.flush();
    }

    void show_deleted(const std::string& id, const Json& last) {
        if (options_.json_lines) {
            out_ << event_line("DELETED", id, last) << '\n';
        } else {
            print_table_row(out_, deleted_columns_, last);
        }
        out_.flush();
    }

    const Api& api_;
    const WatchOptions& options_;
    std::ostream& out_;
    std::vector<Column> deleted_columns_;
    std::map<std::string, Json> known_;  // id → the object as last shown
    std::string last_event_id_;
    bool opened_ = false;
    bool dropped_ = false;      // a callback of ours ended the stream
    bool error_event_ = false;  // the server sent an `error` event
    std::exception_ptr error_;
    std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace

void watch(const Api& api, const WatchOptions& options, std::ostream& out) {
    g_stop.store(false);
    InterruptHandler interrupt;
    Deadline deadline(Clock::now() + options.timeout);
    Watcher(api, options, out).run();
}

std::chrono::milliseconds parse_duration(const std::string& text, const std::string& flag) {
    const auto invalid = [&] {
        return usage_error("invalid " + flag + " \"" + text + "\": use a duration such as 30m, 1h30m or 45s");
    };
    static const std::vector<std::pair<std::string, double>> units = {
        {"ms", 1.0}, {"s", 1000.0}, {"m", 60000.0}, {"h", 3600000.0}};
    double total = 0;
    std::size_t i = 0;
    if (text.empty()) throw invalid();
    while (i < text.size()) {
        const auto start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
            ++i;
        if (i == start) throw invalid();
        const auto number = text.substr(start, i - start);
        std::size_t used = 0;
        double value = 0;
        try {
            value = std::stod(number, &used);
        } catch (const std::exception&) {
            throw invalid();
        }
        if (used != number.size()) throw invalid();
        const auto unit = std::find_if(units.begin(), units.end(),
                                       [&](const auto& u) { return text.compare(i, u.first.size(), u.first) == 0; });
        if (unit == units.end()) throw invalid();
        total += value * unit->second;
        i += unit->first.size();
    }
    if (total < 1) throw invalid();
    return std::chrono::milliseconds(static_cast<long long>(total));
}

}  // namespace ambient::cli
