#include "api/watch.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "api/handler_support.hpp"
#include "api/notify/notifier.hpp"
#include "api/sse.hpp"
#include "common/http/blocking.hpp"

namespace ambient::api {
namespace {

constexpr std::size_t kBatchSize = 500;
// A stream that sent nothing for this long sends a ping. It waits for notifications only
// (no polling): a server shutdown wakes it too (main() notifies every channel then).
constexpr auto kPingInterval = std::chrono::seconds(30);
constexpr std::string_view kResyncFrame = "event: RESYNC\ndata: {\"type\":\"RESYNC\"}\n\n";

struct WatchFilter {
    std::string source;
    store::SqlFragment scope;
};

struct StoredEvent {
    std::int64_t id = 0;
    std::string resource_id;
    std::string type;                   // "Create" | "Update" | "Delete"
    std::optional<std::string> object;  // rendered JSON text
};

// What one read of the events table found after a stream's position.
struct EventBatch {
    std::vector<StoredEvent> events;  // the matching ones, in id order, at most kBatchSize
    std::int64_t next_position = 0;   // where the next read starts after
    bool pruned = false;              // events after the position may be gone: RESYNC
};

std::optional<std::int64_t> as_int(const store::SqlValue& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
    return std::nullopt;
}

// One statement, so that on PostgreSQL the bounds and the events come from one snapshot.
// Event ids commit in id order (repository.cpp), so every event up to `hi` is visible in
// it: when the batch is not full, nothing matching lies between it and `hi`, and the stream
// moves on to `hi` even when other kinds' events were all it saw. Pruning deletes oldest
// first, so `lo` <= position + 1 proves nothing after the position was pruned.
EventBatch read_after(store::Connection& conn, const WatchFilter& filter, std::int64_t position) {
    std::string sql =
        "SELECT b.lo, b.hi, e.id, e.source_id, e.event_type, e.object "
        "FROM (SELECT MIN(id) AS lo, MAX(id) AS hi FROM events) b LEFT JOIN "
        "(SELECT id, source_id, event_type, object FROM events WHERE source = ? AND id > ?";
    std::vector<store::SqlValue> params = {filter.source, position};
    if (!filter.scope.sql.empty()) {
        sql += " AND (" + filter.scope.sql + ")";
        params.insert(params.end(), filter.scope.params.begin(), filter.scope.params.end());
    }
    sql += " ORDER BY id LIMIT ?) e ON 1 = 1 ORDER BY e.id";
    params.emplace_back(static_cast<std::int64_t>(kBatchSize));

    store::Transaction tx(conn, store::TxMode::Read);
    const auto rs = conn.exec(sql, params);
    tx.commit();

    EventBatch batch;
    batch.next_position = position;
    if (rs.rows.empty()) return batch;
    const auto lo = as_int(rs.rows[0][0]);
    const auto hi = as_int(rs.rows[0][1]).value_or(0);
    // A position past the newest event is not from this database (the newest is never pruned).
    if ((lo && *lo > position + 1) || position > hi) {
        batch.pruned = true;
        batch.next_position = hi;
        return batch;
    }
    for (const auto& row : rs.rows) {
        const auto id = as_int(row[2]);
        if (!id) continue;  // the LEFT JOIN's row when nothing matched
        StoredEvent e{*id, std::get<std::string>(row[3]), std::get<std::string>(row[4]), std::nullopt};
        if (const auto* object = std::get_if<std::string>(&row[5])) e.object = *object;
        batch.events.push_back(std::move(e));
    }
    batch.next_position = batch.events.size() == kBatchSize ? batch.events.back().id : hi;
    return batch;
}

std::int64_t newest_event_id(store::Connection& conn) {
    const auto rs = conn.exec("SELECT MAX(id) FROM events");
    return rs.rows.empty() ? 0 : as_int(rs.rows[0][0]).value_or(0);
}

std::string_view wire_type(std::string_view stored) {
    if (stored == event_type_name(EventType::Created)) return "CREATED";
    if (stored == event_type_name(EventType::Deleted)) return "DELETED";
    return "UPDATED";
}

std::string render_frame(const StoredEvent& e) {
    const auto type = wire_type(e.type);
    // The object is spliced in as stored: it is JSON already rendered for this API.
    std::string data = "{\"type\":\"" + std::string(type) + "\",\"resource_id\":" + model::Json(e.resource_id).dump();
    if (e.object && type != "DELETED") data += ",\"object\":" + *e.object;
    data += '}';
    return sse_event(std::to_string(e.id), data);
}

boost::asio::awaitable<void> stream_events(ApiContext& ctx, WatchFilter filter, std::int64_t position,
                                           http::StreamWriter& writer) {
    using Clock = std::chrono::steady_clock;
    auto last_write = Clock::now();
    bool dirty = true;  // read at once, then when woken
    while (!writer.stopping()) {
        const auto seen = ctx.notifier.generation(Channel::Events);
        if (dirty) {
            auto batch = co_await http::run_blocking(ctx.stream_pool, [&] {
                auto lease = ctx.db.acquire();
                return read_after(*lease, filter, position);
            });
            position = batch.next_position;
            if (batch.pruned) {
                if (!co_await writer.write(std::string(kResyncFrame))) co_return;
                last_write = Clock::now();
                continue;
            }
            for (const auto& e : batch.events) {
                if (!co_await writer.write(render_frame(e))) co_return;
                last_write = Clock::now();
            }
            if (batch.events.size() == kBatchSize) continue;
        }
        const auto until_ping = std::chrono::ceil<std::chrono::milliseconds>(last_write + kPingInterval - Clock::now());
        dirty = co_await ctx.notifier.wait(Channel::Events, seen, std::max(until_ping, std::chrono::milliseconds(0)));
        // Counted from the last frame, not the last wake-up: other kinds' changes wake the
        // stream without sending anything. The ping also finds out whether the client left.
        if (Clock::now() - last_write >= kPingInterval) {
            if (!co_await writer.write(std::string(kSsePing))) co_return;
            last_write = Clock::now();
        }
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

http::Response watch_response(ApiContext& ctx, const model::KindSchema& schema, store::SqlFragment scope,
                              const http::Request& req) {
    for (const char* unsupported : {"search", "orderBy"}) {
        if (const auto v = req.query_param(unsupported); v && !v->empty()) {
            throw ApiError::bad_request(std::string(unsupported) + " is not supported with watch=true");
        }
    }
    // EventSource sends Last-Event-ID on its own reconnects, so the header wins.
    auto resume = parse_event_id(req.header("Last-Event-ID"), "Last-Event-ID");
    if (!resume) resume = parse_event_id(req.query_param("after_event_id"), "after_event_id");
    // Resolved before the headers go out, so that a client holding them is sure to see
    // every change made afterwards.
    const auto position = resume ? *resume : in_transaction(ctx, store::TxMode::Read, schema, newest_event_id);
    return sse_response([&ctx, filter = WatchFilter{schema.source, std::move(scope)}, position](
                            http::StreamWriter& writer) { return stream_events(ctx, filter, position, writer); });
}

}  // namespace ambient::api
