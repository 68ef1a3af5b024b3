// Session messages: /api/ambient/v1/sessions/{id}/messages — the conversation of a session.
//
//   GET  /sessions/{id}/messages   JSON array after `after_seq`, or, with
//                                  Accept: text/event-stream, a stream that replays from
//                                  Last-Event-ID (or after_seq) and then follows live   session_message:read
//   POST /sessions/{id}/messages   append: users and services push only event_type "user",
//                                  the session's runner anything but "user" (else 403)     session_message:create
#include "api/resources/session_messages.hpp"

#include <utility>  // Boost 1.74's asio needs std::exchange first

#include <boost/asio/thread_pool.hpp>
#include <charconv>

#include "api/auth/principal.hpp"
#include "api/crud.hpp"
#include "api/notify/notifier.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"
#include "api/sse.hpp"
#include "common/http/blocking.hpp"
#include "common/ksuid.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

constexpr std::size_t kMaxMessageBody = 1024 * 1024;
constexpr std::int64_t kStreamBatch = 500;
constexpr auto kPingInterval = std::chrono::seconds(30);
// Streams wake at least this often to notice a server shutdown.
constexpr auto kWakeSlice = std::chrono::milliseconds(1000);
// Message inserts of one session are serialised on PostgreSQL so that seq values commit in
// order: a reader that saw seq N can then never miss a smaller seq committed later.
constexpr std::int64_t kMessageLockClass = 0x6d7367;  // "msg"

std::optional<std::int64_t> parse_seq(std::optional<std::string_view> text) {
    if (!text || text->empty()) return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size() || value < 0) return std::nullopt;
    return value;
}

void require_session(store::Connection& conn, const std::string& id) {
    if (!repo::find(conn, session_schema(), id)) throw not_found(session_schema(), id);
}

boost::asio::awaitable<void> stream_messages(ApiContext& ctx, std::string session_id, std::int64_t cursor,
                                             http::StreamWriter& writer) {
    auto last_write = std::chrono::steady_clock::now();
    bool dirty = true;  // read at once, then only when woken
    while (!writer.stopping()) {
        const auto seen = ctx.notifier.generation(Channel::Messages);
        if (dirty) {
            const auto batch = co_await http::run_blocking(ctx.stream_pool, [&] {
                auto lease = ctx.db.acquire();
                return messages_after(*lease, session_id, cursor, kStreamBatch);
            });
            for (const auto& m : batch) {
                if (!co_await writer.write(sse_event(std::to_string(m.seq), m.to_json().dump()))) co_return;
                cursor = m.seq;
                last_write = std::chrono::steady_clock::now();
            }
            if (static_cast<std::int64_t>(batch.size()) == kStreamBatch) continue;
        }
        dirty = co_await ctx.notifier.wait(Channel::Messages, seen, kWakeSlice);
        if (!dirty && std::chrono::steady_clock::now() - last_write >= kPingInterval) {
            if (!co_await writer.write(std::string(kSsePing))) co_return;
            last_write = std::chrono::steady_clock::now();
        }
    }
}

http::Handler list_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        const auto after_query = req.query_param("after_seq");
        const auto after = parse_seq(after_query);
        if (after_query && !after_query->empty() && !after)
            throw ApiError::bad_request("after_seq must be a non-negative integer");
        if (wants_event_stream(req)) {
            in_transaction(ctx, store::TxMode::Read, session_schema(),
                           [&](store::Connection& conn) { require_session(conn, id); });
            const auto cursor = parse_seq(req.header("Last-Event-ID")).value_or(after.value_or(0));
            return sse_response(
                [&ctx, id, cursor](http::StreamWriter& writer) { return stream_messages(ctx, id, cursor, writer); });
        }
        const auto messages = in_transaction(ctx, store::TxMode::Read, session_schema(), [&](store::Connection& conn) {
            require_session(conn, id);
            return messages_after(conn, id, after.value_or(0), std::numeric_limits<std::int64_t>::max());
        });
        model::Json out = model::Json::array();
        for (const auto& m : messages)
            out.push_back(m.to_json());
        return json_response(200, out);
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
        ctx.notifier.notify(Channel::Messages);
        return json_response(201, message.to_json());
    };
}

}  // namespace

model::Json SessionMessage::to_json() const {
    model::Json j = model::Json::object();
    j["id"] = id;
    j["session_id"] = session_id;
    j["seq"] = seq;
    j["event_type"] = event_type;
    j["payload"] = payload;
    j["created_at"] = created_at;
    return j;
}

SessionMessage append_message(store::Connection& conn, const std::string& session_id, const std::string& event_type,
                              const std::string& payload) {
    if (conn.dialect() == store::Dialect::Postgres) {
        conn.exec("SELECT pg_advisory_xact_lock(?, hashtext(?))", {kMessageLockClass, session_id});
    }
    SessionMessage m{new_ksuid(), session_id, 0, event_type, payload, now_rfc3339()};
    const auto rs = conn.exec(
        "INSERT INTO session_messages (id, session_id, event_type, payload, created_at) VALUES (?, ?, ?, ?, ?) "
        "RETURNING seq",
        {m.id, m.session_id, m.event_type, m.payload, m.created_at});
    m.seq = std::get<std::int64_t>(rs.rows.at(0).at(0));
    Notifier::notify_in_transaction(conn, Channel::Messages);
    return m;
}

std::vector<SessionMessage> messages_after(store::Connection& conn, const std::string& session_id,
                                           std::int64_t after_seq, std::int64_t limit) {
    const auto rs = conn.exec(
        "SELECT id, session_id, seq, event_type, payload, created_at FROM session_messages "
        "WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        {session_id, after_seq, limit});
    std::vector<SessionMessage> out;
    out.reserve(rs.rows.size());
    for (const auto& row : rs.rows) {
        out.push_back({std::get<std::string>(row[0]), std::get<std::string>(row[1]), std::get<std::int64_t>(row[2]),
                       std::get<std::string>(row[3]), std::get<std::string>(row[4]), std::get<std::string>(row[5])});
    }
    return out;
}

void register_session_messages(http::Router& router, ApiContext& ctx) {
    const std::string base = std::string(model::kApiBasePath) + "/sessions/{id}/messages";
    router.add({"GET", base, list_handler(ctx), false, "List or stream a session's messages", "session_message:read"});
    router.add({"POST", base, push_handler(ctx), false, "Append a message to a session", "session_message:create"});
}

}  // namespace ambient::api
