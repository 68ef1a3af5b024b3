#pragma once
// Session operations other resources reuse (an agent's start creates and starts a session).
// All run inside the caller's write transaction and throw ApiError.
#include <string>

#include "api/model/kind.hpp"
#include "api/model/row.hpp"
#include "api/store/database.hpp"

namespace ambient::api {

const model::KindSchema& session_schema();

// Inserts a session parsed from a create body: checks the project and parent, applies the
// defaults (llm_model, llm_temperature, llm_max_tokens), sets created_by_user_id to
// `principal` and kube_cr_name, and stores a non-empty prompt as the first `user` message.
model::Row create_session(store::Connection& conn, model::Row row, const std::string& principal);

// A new session from `source` (a stored session row), as create_session makes one: every
// field a create sets is the source's, except `name` (the argument, else "<source
// name>-clone"), `prompt` (none) and `parent_session_id` (the source). So it has no
// messages and no status. 409 when the source's agent no longer exists.
model::Row clone_session(store::Connection& conn, const model::Row& source, std::string name,
                         const std::string& principal);

// none/Stopped/Completed/Failed → Pending; 409 otherwise, 404 when unknown.
model::Row start_session(store::Connection& conn, const std::string& id);
// Pending/Creating/Running → Stopping; 409 otherwise, 404 when unknown.
model::Row stop_session(store::Connection& conn, const std::string& id);

// The Kubernetes-safe name of a session: "session-" and the 20 bytes of its KSUID in
// lower-case base32hex — DNS-safe, and two ids that differ only in case never share it.
std::string kube_cr_name_for(const std::string& session_id);

}  // namespace ambient::api
