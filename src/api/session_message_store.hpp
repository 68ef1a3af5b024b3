#pragma once
// Session messages in storage: the conversation of a session, ordered by a global,
// increasing seq. Reads are bounded in count and in bytes, so that a session holding many
// large messages never makes one read hold them all.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "api/model/render.hpp"
#include "api/store/database.hpp"

namespace ambient::api {

struct SessionMessage {
    std::string id;
    std::string session_id;
    std::int64_t seq = 0;
    std::string event_type;
    std::string payload;
    std::string created_at;

    model::Json to_json() const;
};

// Appends a message inside the caller's write transaction and queues the notification
// (keyed by the session) that wakes its streams on every server of a PostgreSQL database.
// The caller notifies this process after the commit (Notifier::notify(Messages, session)).
SessionMessage append_message(store::Connection& conn, const std::string& session_id, const std::string& event_type,
                              const std::string& payload);

struct MessageLimits {
    std::int64_t max_count = 100;
    // Messages after the first stop once their payloads pass this many bytes.
    std::int64_t max_bytes = 1024 * 1024;
    // Only messages with seq <= upto.
    std::int64_t upto = std::numeric_limits<std::int64_t>::max();
};

struct MessagePage {
    std::vector<SessionMessage> messages;  // ascending seq
    bool more = false;                     // cut short by a limit: more may follow the last one
};

// Messages of a session with seq > after_seq, within `limits`.
MessagePage messages_after(store::Connection& conn, const std::string& session_id, std::int64_t after_seq,
                           const MessageLimits& limits);

}  // namespace ambient::api
