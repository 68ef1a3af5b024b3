// Session messages: /api/ambient/v1/sessions/{id}/messages — the conversation of a session.
//
//   GET  /sessions/{id}/messages   JSON array of the messages after `after_seq`, a page at a
//                                  time (`limit`, default 500, at most 1000, and at most 8 MiB
//                                  of payloads; X-Ambient-Next-After-Seq when more follow), or,
//                                  with Accept: text/event-stream, a stream that replays from
//                                  Last-Event-ID (or after_seq) and then follows live     session_message:read
//   POST /sessions/{id}/messages   append: users and services push only event_type "user",
//                                  the session's runner anything but "user" (else 403)     session_message:create
#include <utility>  // Boost 1.74's asio needs std::exchange first

#include <boost/asio/thread_pool.hpp>
#include <charconv>
#include <chrono>
#include <optional>


#include "api/auth/principal.hpp"
#include "api/crud.hpp"
#include "api/notify/notifier.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"
#include "api/session_message_store.hpp"
#include "api/sse.hpp"
#include "api/streams/heartbeat.hpp"
#include "api/streams/message_feeds.hpp"
#include "api/streams/stream_faults.hpp"
#include "api/streams/stream_guard.hpp"
#include "api/streams/stream_quota.hpp"
#include "common/http/blocking.hpp"

namespace ambient::api {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxMessageBody = 1024 * 1024;
constexpr std::int64_t kDefaultPage = 500;
constexpr std::int64_t kMaxPage = 1000;
constexpr std::int64_t kPageBytes = 8 * 1024 * 1024;
// A stream behind memory reads the table in batches of at most this many payload bytes
// (and at least one message), so a reader that is slow or gone holds little.
constexpr std::int64_t kStreamBatchBytes = 256 * 1024;
constexpr std::int64_t kStreamBatchCount = 200;

std::optional<std::int64_t> parse_seq(std::optional<std::string_view> text) {
    if (!text || text->empty()) return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size() || value < 0) return std::nullopt;
    return value;
}

std::int64_t page_limit(const http::Request& req) {
    const auto text = req.query_param("limit");
    if (!text || text->empty()) return kDefaultPage;
    const auto value = parse_seq(text);
    if (!value || *value == 0) throw ApiError::bad_request("limit must be a positive integer");
    return std::min(*value, kMaxPage);
}

void require_session(store::Connection& conn, const std::string& id) {
    if (!repo::find(conn, session_schema(), id)) throw not_found(session_schema(), id);
}

struct History {
    std::vector<std::pair<std::int64_t, std::string>> frames;  // (seq, SSE frame)
    bool more = false;
};

// A stream's messages in (cursor, upto] from the table, a bounded batch, rendered.
History read_history(ApiContext& ctx, const std::string& session_id, std::int64_t cursor, std::int64_t upto) {
    auto lease = ctx.db.acquire();
    auto page = messages_after(*lease, session_id, cursor,
                               {.max_count = kStreamBatchCount, .max_bytes = kStreamBatchBytes, .upto = upto});
    History history;
    history.more = page.more;
    history.frames.reserve(page.messages.size());
    for (auto& m : page.messages) {
        history.frames.emplace_back(m.seq, streams::render_message_frame(m));
        m.payload.clear();
        m.payload.shrink_to_fit();
    }
    return history;
}

boost::asio::awaitable<void> stream_messages(ApiContext& ctx, std::string session_id, std::int64_t cursor,
                                             std::shared_ptr<streams::MessageFeeds::Subscription> subscription,
                                             std::shared_ptr<streams::StreamQuota::Ticket> /*held while streaming*/,
                                             std::shared_ptr<streams::StreamGuard> guard, http::StreamWriter& writer) {
    auto wakeup = std::make_shared<streams::Wakeup>(writer.executor());
    subscription->attach(wakeup);
    guard->attach(wakeup);
    writer.on_client_gone([wakeup] { wakeup->notify(); });
    std::optional<streams::StreamStats::Open> counted;
    if (ctx.stream_stats != nullptr) counted.emplace(*ctx.stream_stats);
    streams::StreamFaults faults(ctx.stream_stats, ctx.message_feeds->recoveries());
    streams::Heartbeat heartbeat(ctx.stream_ping_interval);
    while (!writer.stopping()) {
        const auto verdict = guard->check_due() ? co_await guard->check() : streams::StreamGuard::Verdict::Keep;
        if (streams::StreamGuard::ends(verdict)) {
            co_await writer.write(streams::ending_comment(verdict, ctx.stream_stats));
            co_return;
        }
        auto batch = subscription->take(cursor);
        if (batch.behind) {
            // Older than memory: from the table, a bounded batch at a time, up to the feed;
            // read and rendered off the I/O thread.
            std::optional<History> read;
            try {
                read = co_await http::run_blocking(ctx.stream_pool,
                                                   [&] { return read_history(ctx, session_id, cursor, batch.floor); });
            } catch (const store::Unavailable& e) {
                // The database is away: the stream keeps its cursor and its pings, and reads
                // again until it is back.
                faults.read_failed("message stream", e);
            }
            if (!read) {
                const auto retry_at = std::min(Clock::now() + streams::kReadRetryDelay, guard->expiry());
                if (!co_await heartbeat.rest(*wakeup, writer, retry_at)) co_return;
                continue;
            }
            faults.carried_on(ctx.message_feeds->recoveries());
            auto& history = *read;
            for (auto& [seq, frame] : history.frames) {
                if (!co_await writer.write(std::move(frame))) co_return;
                cursor = seq;
                heartbeat.wrote();
            }
            if (!history.more) cursor = std::max(cursor, batch.floor);
            continue;
        }
        faults.carried_on(ctx.message_feeds->recoveries());
        for (auto& frame : batch.frames) {
            if (!co_await writer.write_shared(std::move(frame))) co_return;
            heartbeat.wrote();
        }
        cursor = batch.cursor;

        if (!co_await heartbeat.rest(*wakeup, writer, guard->expiry())) co_return;
    }
}

http::Response open_stream(ApiContext& ctx, const http::Request& req, const std::string& id, std::int64_t cursor) {
    if (ctx.message_feeds == nullptr) throw ApiError::unavailable("message streams are not available");
    const auto& principal = principal_of(req);
    auto ticket = streams::admit_stream(ctx.stream_quota, principal);
    in_transaction(ctx, store::TxMode::Read, session_schema(),
                   [&](store::Connection& conn) { require_session(conn, id); });
    std::shared_ptr<streams::MessageFeeds::Subscription> subscription;
    try {
        subscription = ctx.message_feeds->subscribe(id);
    } catch (const store::Unavailable& e) {
        throw ApiError::database_unavailable(e.what());
    } catch (const std::exception& e) {
        throw ApiError::unavailable(e.what());
    }
    auto guard = std::make_shared<streams::StreamGuard>(ctx, principal, id, "session_message:read");
    return sse_response([&ctx, id, cursor, subscription = std::move(subscription), ticket = std::move(ticket),
                         guard = std::move(guard)](http::StreamWriter& writer) {
        return stream_messages(ctx, id, cursor, subscription, ticket, guard, writer);
    });
}

http::Handler list_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        const auto after_query = req.query_param("after_seq");
        const auto after = parse_seq(after_query);
        if (after_query && !after_query->empty() && !after)
            throw ApiError::bad_request("after_seq must be a non-negative integer");
        if (wants_event_stream(req)) {
            return open_stream(ctx, req, id, parse_seq(req.header("Last-Event-ID")).value_or(after.value_or(0)));
        }
        const auto limit = page_limit(req);
        const auto page = in_transaction(ctx, store::TxMode::Read, session_schema(), [&](store::Connection& conn) {
            require_session(conn, id);
            return messages_after(conn, id, after.value_or(0), {.max_count = limit, .max_bytes = kPageBytes});
        });
        model::Json out = model::Json::array();
        for (const auto& m : page.messages)
            out.push_back(m.to_json());
        auto response = json_response(200, out);
        if (page.more && !page.messages.empty()) {
            response.set_header("X-Ambient-Next-After-Seq", std::to_string(page.messages.back().seq));
        }
        return response;
    };
}

http::Handler push_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        if (req.body.size() > kMaxMessageBody) {
            throw ApiError(413, ErrorCode::BadRequest, "message body larger than 1 MiB");
        }
        const auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object())
            throw ApiError::malformed("Invalid request format: body must be a JSON object");
        std::string event_type = "user";
        std::string payload;
        if (auto it = body.find("event_type"); it != body.end() && !it->is_null()) {
            if (!it->is_string()) throw ApiError::malformed("Invalid request format: event_type must be a string");
            if (!it->get<std::string>().empty()) event_type = it->get<std::string>();
        }
        if (auto it = body.find("payload"); it != body.end() && !it->is_null()) {
            if (!it->is_string()) throw ApiError::malformed("Invalid request format: payload must be a string");
            payload = it->get<std::string>();
        }
        // Only a session's runner may speak for the agent; everyone else posts user turns.
        // (Which session a runner may reach is the authorization middleware's concern.)
        const bool runner = principal_of(req).kind == Principal::Kind::Runner;
        if (runner && event_type == "user") throw ApiError::forbidden("runner tokens cannot push user messages");
        if (!runner && event_type != "user") {
            throw ApiError::forbidden("only the session's runner may push event_type '" + event_type.substr(0, 64) +
                                      "'");
        }
        const auto message = in_transaction(ctx, store::TxMode::Write, session_schema(), [&](store::Connection& conn) {
            require_session(conn, id);
            return append_message(conn, id, event_type, payload);
        });
        ctx.notifier.notify(Channel::Messages, id);
        return json_response(201, message.to_json());
    };
}

}  // namespace

void register_session_messages(http::Router& router, ApiContext& ctx) {
    const std::string base = std::string(model::kApiBasePath) + "/sessions/{id}/messages";
    router.add({"GET", base, list_handler(ctx), false, "List or stream a session's messages", "session_message:read"});
    router.add({"POST", base, push_handler(ctx), false, "Append a message to a session", "session_message:create"});
}

}  // namespace ambient::api
