#include "api/session_message_store.hpp"

#include "api/notify/notifier.hpp"
#include "common/ksuid.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

// Message inserts of one session are serialised on PostgreSQL so that seq values commit in
// order: a reader that saw seq N can then never miss a smaller seq committed later.
constexpr std::int64_t kMessageLockClass = 0x6d7367;  // "msg"

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
    Notifier::notify_in_transaction(conn, Channel::Messages, session_id);
    return m;
}

MessagePage messages_after(store::Connection& conn, const std::string& session_id, std::int64_t after_seq,
                           const MessageLimits& limits) {
    MessagePage page;
    if (limits.max_count <= 0 || after_seq >= limits.upto) return page;
    // Sizes first, so that the payloads read are only those that fit.
    const auto sizes = conn.exec(
        "SELECT seq, LENGTH(payload) FROM session_messages WHERE session_id = ? AND seq > ? AND seq <= ? "
        "ORDER BY seq LIMIT ?",
        {session_id, after_seq, limits.upto, limits.max_count});
    std::int64_t last = after_seq;
    std::int64_t bytes = 0;
    std::size_t count = 0;
    for (const auto& row : sizes.rows) {
        const auto* size = std::get_if<std::int64_t>(&row[1]);
        const std::int64_t n = size != nullptr ? *size : 0;
        if (count > 0 && bytes + n > limits.max_bytes) {
            page.more = true;
            break;
        }
        bytes += n;
        ++count;
        last = std::get<std::int64_t>(row[0]);
    }
    if (static_cast<std::int64_t>(count) == limits.max_count) page.more = true;
    if (count == 0) return page;
    const auto rs = conn.exec(
        "SELECT id, session_id, seq, event_type, payload, created_at FROM session_messages "
        "WHERE session_id = ? AND seq > ? AND seq <= ? ORDER BY seq",
        {session_id, after_seq, last});
    page.messages.reserve(rs.rows.size());
    for (const auto& row : rs.rows) {
        page.messages.push_back({std::get<std::string>(row[0]), std::get<std::string>(row[1]),
                                 std::get<std::int64_t>(row[2]), std::get<std::string>(row[3]),
                                 std::get<std::string>(row[4]), std::get<std::string>(row[5])});
    }
    return page;
}

}  // namespace ambient::api
