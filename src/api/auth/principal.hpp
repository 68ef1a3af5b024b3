#pragma once
// Who is calling, as authentication established it. Handlers read it with principal_of().
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/http/message.hpp"

namespace ambient::api {
namespace authz {
class Access;
}

struct Principal {
    // Service: a static service token (the control plane); a platform admin.
    // User: a verified OIDC token; may do what its role bindings allow.
    // Runner: a runner token the server signed for one live session; see authz/runner_policy.
    enum class Kind { Service, User, Runner };
    Kind kind = Kind::User;
    std::string username;  // users: first non-empty of username, preferred_username, sub
    std::string name;      // users: display name from the claims, when present
    std::string email;
    // Runner tokens: the session the token was issued for, and that session's project and
    // agent (agent empty when the session has none).
    std::string session_id;
    std::string project_id;
    std::string agent_id;
    std::string run_id;  // the session's run the token was issued for (a restart starts another)
    // When the token stops being accepted (its exp plus the leeway); none for service tokens.
    // Open streams end then: the client reconnects and authenticates again.
    std::optional<std::chrono::system_clock::time_point> expires_at;
    // What the caller may do, loaded by authorization before the handler runs (null before).
    std::shared_ptr<const authz::Access> access;
};

// The principal authentication stored on the request; for a request that was never
// authenticated, an anonymous user (no bindings, so no access): failing closed.
const Principal& principal_of(const http::Request& req);
void set_principal(http::Request& req, Principal principal);
// The principal stored on the request, for authorization to complete; null when none.
Principal* mutable_principal(http::Request& req);

}  // namespace ambient::api
