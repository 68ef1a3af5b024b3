#pragma once
// Permissions a handler checks itself, beyond its route's, when one request acts on more
// than the object its route names: a clone reads its source session and creates in that
// session's project; an export reads a session and all its messages. The rules are the
// request authorizer's: a user's role bindings, a runner token's runner_policy, and
// everything for a service token.
#include <string>

#include "api/auth/principal.hpp"
#include "api/authz/access.hpp"
#include "api/store/database.hpp"

namespace ambient::api::authz {

// Throws ApiError 403 unless `caller` holds `permission` on `target`. The caller already
// passed the route's check on the request's object, so it knows that object exists: a
// refusal is never a 404.
void require_permission(store::Connection& conn, const Principal& caller, const std::string& permission,
                        const Target& target);

}  // namespace ambient::api::authz
