#pragma once
// The credentials granted to a session's runner. A credential is granted to the sessions of
// an agent, of a project or of everyone by a live role binding with scope 'credential' and
// no user, whose live role has a permission covering "credential:fetch_token":
//
//   binding project_id = P, agent_id = A       → "agent"   (sessions of agent A in project P)
//   binding project_id = P, agent_id NULL      → "project" (sessions of project P)
//   binding project_id NULL, agent_id NULL     → "global"  (every session)
//
//   GET /sessions/{id}/credentials   SessionCredentialList   session:read
#include <string>
#include <vector>

#include "api/context.hpp"
#include "api/store/database.hpp"
#include "common/http/router.hpp"

namespace ambient::api {

struct CredentialGrant {
    std::string credential_id, provider, name, grant;  // grant: "agent" | "project" | "global"
};

// Credentials granted to sessions of (project_id, agent_id) (agent_id empty: a session
// without agent), each once with its most specific grant; ordered most specific first
// (agent, project, global), then by the credential's created_at.
std::vector<CredentialGrant> granted_credentials(store::Connection& conn, const std::string& project_id,
                                                 const std::string& agent_id);

// True when the live credential is granted to sessions of (project_id, agent_id).
bool credential_granted(store::Connection& conn, const std::string& credential_id, const std::string& project_id,
                        const std::string& agent_id);

// GET /sessions/{id}/credentials (register_runner_tokens() calls it).
void register_session_credentials(http::Router& router, ApiContext& ctx);

}  // namespace ambient::api
