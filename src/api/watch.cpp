#include "api/watch.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "api/auth/principal.hpp"
#include "api/handler_support.hpp"
#include "api/sse.hpp"
#include "api/streams/event_log.hpp"
#include "api/streams/heartbeat.hpp"
#include "api/streams/stream_faults.hpp"
#include "api/streams/stream_guard.hpp"
#include "api/streams/stream_quota.hpp"
#include "common/http/blocking.hpp"

namespace ambient::api {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kResyncFrame = "event: RESYNC\ndata: {\"type\":\"RESYNC\"}\n\n";
// A stream behind memory reads the table in batches this size.
constexpr std::int64_t kHistoryRows = 200;
constexpr std::int64_t kHistoryBytes = 1024 * 1024;

struct WatchSpec {
    std::string source;
    std::string table;
    std::string project;
};

struct History {
    std::vector<std::string> frames;  // what the watch may send, rendered
    std::int64_t next_position = 0;
    bool pruned = false;
};

// A bounded batch of the watch's events in (position, until] from the table, filtered and
// rendered (off the I/O thread). `until` is settled (event_frontier.hpp).
History read_history(ApiContext& ctx, const WatchSpec& spec, const streams::EventLog::Watch& watch,
                     std::int64_t position, std::int64_t until) {
    auto lease = ctx.db.acquire();
    const auto range = streams::read_events_after(*lease, position,
                                                  {.source = spec.source,
                                                   .project = spec.project,
                                                   .max_rows = kHistoryRows,
                                                   .max_bytes = kHistoryBytes,
                                                   .until = until});
    std::vector<std::string> projects;
    for (const auto& row : range.rows) {
        const auto& p = row.route.project_id;
        if (!p.empty() && std::find(projects.begin(), projects.end(), p) == projects.end()) projects.push_back(p);
    }
    const auto incarnations = streams::incarnation_starts(*lease, projects);
    History h{{}, range.next_position, range.pruned};
    for (const auto& row : range.rows) {
        if (watch.accepts(row, incarnations)) h.frames.push_back(streams::render_watch_frame(row));
    }
    return h;
}

// `opened`: where the stream started, a settled id (EventLog::open_position); `resync`: the client's resume
// id could not be honoured (it is told to list again, then gets what follows).
boost::asio::awaitable<void> stream_events(ApiContext& ctx, WatchSpec spec, std::int64_t position, std::int64_t opened,
                                           bool resync,
                                           std::shared_ptr<streams::StreamQuota::Ticket> /*held while streaming*/,
                                           std::shared_ptr<streams::StreamGuard> guard, http::StreamWriter& writer) {
    auto wakeup = std::make_shared<streams::Wakeup>(writer.executor());
    auto watch = ctx.event_log->watch(spec.source, spec.project,
                                      authz::EventVisibility::of(guard->principal(), spec.table), wakeup);
    guard->attach(wakeup);
    writer.on_client_gone([wakeup] { wakeup->notify(); });
    std::optional<streams::StreamStats::Open> counted;
    if (ctx.stream_stats != nullptr) counted.emplace(*ctx.stream_stats);
    streams::StreamFaults faults(ctx.stream_stats, ctx.event_log->recoveries());
    streams::Heartbeat heartbeat(ctx.stream_ping_interval);
    if (resync && !co_await writer.write(std::string(kResyncFrame))) co_return;
    while (!writer.stopping()) {
        const auto verdict = guard->check_due() ? co_await guard->check() : streams::StreamGuard::Verdict::Keep;
        if (streams::StreamGuard::ends(verdict)) {
            co_await writer.write(streams::ending_comment(verdict, ctx.stream_stats));
            co_return;
        }
        if (verdict == streams::StreamGuard::Verdict::AccessChanged) {
            watch->set_visibility(authz::EventVisibility::of(guard->principal(), spec.table));
        }

        auto batch = watch->take(position, opened);
        if (batch.behind) {
            // Older than memory: from the table, a bounded batch at a time, never past what
            // this stream or the fan-out has found settled.
            const auto until = std::max(opened, ctx.event_log->head());
            std::optional<History> read;
            try {
                read = co_await http::run_blocking(ctx.stream_pool,
                                                   [&] { return read_history(ctx, spec, *watch, position, until); });
            } catch (const store::Unavailable& e) {
                // The database is away: the stream keeps its position and its pings, and
                // reads again until it is back.
                faults.read_failed("watch stream", e);
            }
            if (!read) {
                const auto retry_at = std::min(Clock::now() + streams::kReadRetryDelay, guard->expiry());
                if (!co_await heartbeat.rest(*wakeup, writer, retry_at)) co_return;
                continue;
            }
            faults.carried_on(ctx.event_log->recoveries());
            auto& history = *read;
            if (history.pruned) {
                if (!co_await writer.write(std::string(kResyncFrame))) co_return;
            }
            for (auto& frame : history.frames) {
                if (!co_await writer.write(std::move(frame))) co_return;
            }
            position = history.next_position;
            heartbeat.wrote();
            continue;
        }
        faults.carried_on(ctx.event_log->recoveries());
        for (auto& frame : batch.frames) {
            if (!co_await writer.write_shared(std::move(frame))) co_return;
            heartbeat.wrote();
        }
        position = batch.position;

        if (!co_await heartbeat.rest(*wakeup, writer, guard->expiry())) co_return;
    }
}

std::optional<std::int64_t> parse_event_id(std::optional<std::string_view> text, std::string_view what) {
    if (!text || text->empty()) return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size() || value < 0) {
        throw ApiError::bad_request(std::string(what) + " must be a non-negative integer");
    }
    return value;
}

}  // namespace

bool watch_requested(const http::Request& req) {
    const auto watch = req.query_param("watch");
    if (!watch || watch->empty() || *watch == "false" || *watch == "0") return false;
    if (*watch == "true" || *watch == "1") return true;
    throw ApiError::bad_request("watch must be true or false");
}

http::Response watch_response(ApiContext& ctx, const model::KindSchema& schema, std::string project,
                              const http::Request& req) {
    for (const char* unsupported : {"search", "orderBy"}) {
        if (const auto v = req.query_param(unsupported); v && !v->empty()) {
            throw ApiError::bad_request(std::string(unsupported) + " is not supported with watch=true");
        }
    }
    if (ctx.event_log == nullptr) throw ApiError::unavailable("watch streams are not available");
    // EventSource sends Last-Event-ID on its own reconnects, so the header wins.
    auto resume = parse_event_id(req.header("Last-Event-ID"), "Last-Event-ID");
    if (!resume) resume = parse_event_id(req.query_param("after_event_id"), "after_event_id");
    const auto& principal = principal_of(req);
    auto ticket = streams::admit_stream(ctx.stream_quota, principal);
    // Resolved before the headers go out, so that a client holding them is sure to see
    // every change made afterwards.
    const auto bounds = with_connection(ctx, schema, streams::event_bounds);
    // Outside a transaction: finding the settled frontier may take a checkpoint of its own.
    const auto opened =
        with_connection(ctx, schema, [&ctx](store::Connection& conn) { return ctx.event_log->open_position(conn); });
    // A resume id whose successors were pruned, or that is not from this database, cannot
    // be honoured: RESYNC, then what follows the current end.
    const bool resync = resume && !bounds.can_resume_from(*resume);
    const auto position = resume && !resync ? *resume : opened;
    auto guard = std::make_shared<streams::StreamGuard>(ctx, principal, std::string(), std::string());
    return sse_response([&ctx, spec = WatchSpec{schema.source, schema.table, std::move(project)}, position, opened,
                         resync, ticket = std::move(ticket), guard = std::move(guard)](http::StreamWriter& writer) {
        return stream_events(ctx, spec, position, opened, resync, ticket, guard, writer);
    });
}

}  // namespace ambient::api
