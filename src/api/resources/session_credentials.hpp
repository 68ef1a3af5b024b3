#pragma once
// The credentials granted to a session's runner, by the rule of authz/credential_grants.hpp:
// role bindings of scope 'credential' naming the session's agent, its project, or neither.
//
//   GET /sessions/{id}/credentials   SessionCredentialList   session:read
#include "api/context.hpp"
#include "common/http/router.hpp"

namespace ambient::api {

// GET /sessions/{id}/credentials (register_runner_tokens() calls it).
void register_session_credentials(http::Router& router, ApiContext& ctx);

}  // namespace ambient::api
