#include "runner/agui/server.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <algorithm>
#include <charconv>
#include <mutex>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/api_error.hpp"
#include "common/http/dispatch.hpp"
#include "common/http/server.hpp"
#include "common/http/wakeup.hpp"

namespace ambient::runner::agui {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxBodyBytes = 8 * 1024 * 1024;
constexpr std::string_view kPing = ": ping\n\n";
constexpr const char* kUserSeqHeader = "X-Ambient-User-Message-Seq";

// The wake-ups of open streams, told when the server stops so that none sleeps through it.
class OpenStreams {
public:
    void add(const std::shared_ptr<http::Wakeup>& w) {
        std::lock_guard lock(mutex_);
        open_.insert(w);
    }
    void remove(const std::shared_ptr<http::Wakeup>& w) {
        std::lock_guard lock(mutex_);
        open_.erase(w);
    }
    void wake_all() {
        std::lock_guard lock(mutex_);
        for (const auto& w : open_)
            w->notify();
    }

private:
    std::mutex mutex_;
    std::set<std::shared_ptr<http::Wakeup>> open_;
};

std::optional<std::uint64_t> parse_unsigned(std::optional<std::string_view> text) {
    if (!text || text->empty()) return std::nullopt;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size()) return std::nullopt;
    return value;
}

std::string frame(const StoredEvent& e) {
    std::string out;
    out.reserve(e.json.size() + 32);
    out += "id: ";
    out += std::to_string(e.id);
    out += "\ndata: ";
    out += e.json;  // one line: serialized without indentation, newlines escaped
    out += "\n\n";
    return out;
}

http::Response sse_response(http::StreamProducer producer) {
    http::Response r;
    r.headers = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
    r.stream = std::move(producer);
    return r;
}

bool ends_run(const StoredEvent& e, const std::string& run_id) {
    if (e.type != "RUN_FINISHED" && e.type != "RUN_ERROR") return false;
    const auto event = json::parse(e.json, nullptr, false);
    if (!event.is_object()) return false;
    auto it = event.find("runId");
    return it != event.end() && it->is_string() && it->get<std::string>() == run_id;
}

struct Follow {
    std::uint64_t after = 0;  // the last id the reader has
    bool tell_gap = false;    // say so when the ring no longer holds what follows `after`
    // The stream ends after the event for which this returns true (none: never).
    std::function<bool(const StoredEvent&)> last;
};

// Writes the hub's events after `follow.after` until the hub closes (and is drained), the
// reader leaves, the server stops, or follow.last says so.
net::awaitable<void> stream_events(EventHub& hub, OpenStreams& open, std::chrono::milliseconds ping_interval,
                                   Follow follow, http::StreamWriter& writer) {
    auto wakeup = std::make_shared<http::Wakeup>(writer.executor());
    // The hub may call a listener once more after the subscription is gone: it holds the
    // wake-up, not the stream.
    const auto subscription = hub.subscribe([wakeup] { wakeup->notify(); });
    writer.on_client_gone([wakeup] { wakeup->notify(); });
    open.add(wakeup);
    struct Unregister {
        OpenStreams& open;
        std::shared_ptr<http::Wakeup> wakeup;
        ~Unregister() { open.remove(wakeup); }
    } unregister{open, wakeup};

    auto cursor = follow.after;
    auto last_write = Clock::now();
    constexpr std::size_t kBatch = 256;
    while (!writer.stopping()) {
        // Looked at before reading: events published before the close are all read below.
        const bool closed = hub.closed();
        auto batch = hub.since(cursor, kBatch);
        if (batch.gap && follow.tell_gap) {
            if (!co_await writer.write(": some events are no longer held; replay starts at the oldest one\n\n"))
                co_return;
        }
        follow.tell_gap = false;
        // One write per batch, not per event: a reader catching up (or a fast agent) costs a
        // syscall and a chunk header per batch.
        std::string chunk;
        bool last = false;
        for (const auto& event : batch.events) {
            chunk += frame(*event);
            cursor = event->id;
            if (follow.last && follow.last(*event)) {
                last = true;
                break;
            }
        }
        if (!chunk.empty()) {
            if (!co_await writer.write(std::move(chunk))) co_return;
            last_write = Clock::now();
        }
        if (last) co_return;
        if (batch.events.size() == kBatch) continue;
        if (closed) co_return;
        co_await wakeup->wait_until(last_write + ping_interval);
        if (Clock::now() - last_write >= ping_interval && !writer.stopping()) {
            if (!co_await writer.write(std::string(kPing))) co_return;
            last_write = Clock::now();
        }
    }
}

// The hub id of the run's RUN_STARTED, when the ring still holds it.
std::optional<std::uint64_t> run_started_at(const EventHub& hub, const std::string& run_id) {
    std::uint64_t cursor = 0;
    for (;;) {
        auto batch = hub.since(cursor, 1024);
        if (batch.events.empty()) return std::nullopt;
        for (const auto& e : batch.events) {
            cursor = e->id;
            if (e->type != "RUN_STARTED") continue;
            const auto j = json::parse(e->json, nullptr, false);
            if (j.is_object() && j.value("runId", "") == run_id) return e->id;
        }
    }
}

}  // namespace

struct Server::Impl {
    ServerOptions options;
    std::string session_id;
    EventHub& hub;
    const ProxyAuth& auth;
    RunCallbacks callbacks;
    OpenStreams open_streams;
    http::Router router;
    std::unique_ptr<http::Server> server;

    Impl(ServerOptions o, std::string s, EventHub& h, const ProxyAuth& a, RunCallbacks c)
        : options(std::move(o)), session_id(std::move(s)), hub(h), auth(a), callbacks(std::move(c)) {}

    http::Response events(http::Request& req) {
        if (req.param("thread") != session_id) throw ApiError::not_found("no such thread");
        Follow follow;
        const auto last_id = hub.last_id();
        if (const auto resume = parse_unsigned(req.header("Last-Event-ID"))) {
            // An id this process never gave out is from an earlier runner process: all that
            // the ring holds is new to that reader.
            follow.after = *resume <= last_id ? *resume : 0;
            follow.tell_gap = true;
        } else {
            follow.after = last_id;  // a new reader follows from now
        }
        return sse_response([this, follow](http::StreamWriter& writer) {
            return stream_events(hub, open_streams, options.ping_interval, follow, writer);
        });
    }

    http::Response run(http::Request& req) {
        const auto user_seq = parse_unsigned(req.header(kUserSeqHeader));
        if (!user_seq || *user_seq == 0 || *user_seq > static_cast<std::uint64_t>(INT64_MAX)) {
            throw ApiError::bad_request(std::string(kUserSeqHeader) + " must be the user message's seq");
        }
        const auto input = json::parse(req.body, nullptr, false);
        if (input.is_discarded() || !input.is_object()) {
            throw ApiError::malformed("body must be an AG-UI RunAgentInput (a JSON object)");
        }
        if (auto it = input.find("messages"); it != input.end() && !it->is_array() && !it->is_null()) {
            throw ApiError::malformed("messages must be an array");
        }
        std::string requested_run_id;
        if (auto it = input.find("runId"); it != input.end() && !it->is_null()) {
            if (!it->is_string()) throw ApiError::malformed("runId must be a string");
            requested_run_id = it->get<std::string>();
        }
        if (!callbacks.on_run) throw ApiError::unavailable("runs are not accepted");
        // Before the call: the turn may start, and even finish, before on_run returns.
        Follow follow;
        follow.after = hub.last_id();
        const auto run_id = callbacks.on_run(static_cast<std::int64_t>(*user_seq), requested_run_id);
        // The runner may have seen the message on its stream and started the turn before this
        // request arrived: then the run is replayed from its RUN_STARTED, still in the ring.
        if (const auto started = run_started_at(hub, run_id)) follow.after = std::min(follow.after, *started - 1);
        spdlog::info("run {} for user message {}", run_id, *user_seq);
        follow.last = [run_id](const StoredEvent& e) { return ends_run(e, run_id); };
        return sse_response([this, follow](http::StreamWriter& writer) {
            return stream_events(hub, open_streams, options.ping_interval, follow, writer);
        });
    }

    http::Response interrupt() {
        if (callbacks.on_interrupt) callbacks.on_interrupt();
        return http::Response::json(200, json{{"message", "Interrupt signal sent"}}.dump());
    }

    // Every route but /health, and every unknown path, needs the API server's token.
    std::optional<http::Response> authenticate(const http::Request& req, const http::Route* route) {
        if (route != nullptr && route->is_public) return std::nullopt;
        try {
            auth.verify(req.header("Authorization").value_or(""));
        } catch (const ProxyAuthError& e) {
            spdlog::warn("refused {} {}: {}", req.method, req.path, e.what());
            return http::error_response(401, ErrorCode::Unauthenticated,
                                        std::string("only the API server may call the runner: ") + e.what(),
                                        req.operation_id);
        }
        return std::nullopt;
    }
};

Server::Server(ServerOptions options, std::string session_id, EventHub& hub, const ProxyAuth& auth,
               RunCallbacks callbacks)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(session_id), hub, auth, std::move(callbacks))) {
    auto* impl = impl_.get();
    auto& r = impl->router;
    r.add({"GET", "/events/{thread}", [impl](http::Request& req) { return impl->events(req); }});
    r.add({"POST", "/", [impl](http::Request& req) { return impl->run(req); }});
    r.add({"POST", "/interrupt", [impl](http::Request&) { return impl->interrupt(); }});
    r.add({"GET", "/health",
           [impl](http::Request&) {
               return http::Response::json(200, json{{"status", "healthy"}, {"session_id", impl->session_id}}.dump());
           },
           true});
}

Server::~Server() {
    stop();
}

void Server::start() {
    http::ServerOptions options;
    options.host = impl_->options.host;
    options.port = impl_->options.port;
    options.worker_threads = 2;
    options.max_body_bytes = kMaxBodyBytes;
    // Every reader comes through the API server (one address per replica): a per-client cap
    // would cap the session's watchers.
    options.max_connections_per_client = 0;
    // Readers are the API server's proxies; shutdown is the runner's own, bounded by SIGTERM's 10 s.
    options.shutdown_grace = std::chrono::seconds(2);
    http::ServerHooks hooks;
    auto* impl = impl_.get();
    hooks.before = [impl](http::Request& req, const http::Route* route) { return impl->authenticate(req, route); };
    hooks.stopping = [impl] { impl->open_streams.wake_all(); };
    impl_->server = std::make_unique<http::Server>(options, impl_->router, hooks);
    impl_->server->start();
}

std::uint16_t Server::port() const {
    return impl_->server ? impl_->server->port() : 0;
}

void Server::stop() {
    if (impl_ && impl_->server) impl_->server->stop();
}

}  // namespace ambient::runner::agui
