#pragma once
// Session messages: the conversation of a session, ordered by a global, increasing seq.
#include <cstdint>
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

// Appends a message inside the caller's write transaction and queues the wake-up of
// message streams (on PostgreSQL, for every server on the database).
SessionMessage append_message(store::Connection& conn, const std::string& session_id, const std::string& event_type,
                              const std::string& payload);

// Messages of a session with seq > after_seq, ascending, at most `limit`.
std::vector<SessionMessage> messages_after(store::Connection& conn, const std::string& session_id,
                                           std::int64_t after_seq, std::int64_t limit);

}  // namespace ambient::api
