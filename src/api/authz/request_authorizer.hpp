#pragma once
// The check every authenticated request passes before its handler: does the caller hold
// the route's permission on the object the request names?
//
//   user     bindings covering the target grant the permission → on. Else reads hide and
//            writes refuse: a GET of what no binding covers is 404 (as if missing), a write
//            to it — or to what does not exist — 403 `Forbidden`, so neither answer tells
//            whether the object exists; too little on a covered target is 403 `Forbidden`.
//            Service-only permissions (permission.hpp) are never granted, platform admins
//            included.
//   service  a platform admin and the control plane: always on
//   runner   its own session and the credentials granted to it, nothing else (runner_policy)
//
// Lists are let through and filtered (list_visibility); creating a project or a
// credential and reading roles are open to every user; role-binding writes are checked
// by the grant rules in the handler, where the binding's role and scope are known.
#include <string>

#include "api/auth/principal.hpp"
#include "api/context.hpp"
#include "common/http/router.hpp"

namespace ambient::api::authz {

// Loads the caller's access into its principal, then throws ApiError (403, 404) when the
// request is refused. Denied credential token reads are audited here.
void authorize_request(ApiContext& ctx, http::Request& req, const http::Route& route);

// For an open stream, after the caller's bindings or the stream's session changed: reloads
// a user's access into `principal` and answers whether it still holds `permission` on
// session `session_id` (an empty session: a watch, which the reloaded access filters, is
// kept). A runner is kept while its session's run is live. Throws store errors.
bool reauthorize_stream(ApiContext& ctx, Principal& principal, const std::string& permission,
                        const std::string& session_id);

}  // namespace ambient::api::authz
