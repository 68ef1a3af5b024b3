#pragma once
// How a credential reaches sessions: one rule, asked by everything that needs it — granting
// and removing grants (grant_rules), a session's credential list (GET
// /sessions/{id}/credentials) and a runner's token read (runner_policy).
//
// A role binding grants its credential to sessions when its scope is 'credential', it names
// the credential, its role is credential:token-reader or credential:viewer (what upstream's
// `acpctl credential bind` sends) — or, in a binding naming no user, any role covering
// credential:fetch_token (a custom role, by a platform admin) — and:
//
//   project_id = P, agent_id = A   → "agent"   the sessions of agent A of project P
//   project_id = P, no agent       → "project" the sessions of project P
//   no project, no agent, no user  → "global"  every session
//
// A user named in a grant to a project or agent holds the role on the credential as well,
// like any credential binding; a user's binding with no project grants nothing to sessions.
// The grant lets the sessions' runners read the token whatever the role: it is the runner
// that reads, not a user (a user with credential:viewer still cannot).
#include <string>
#include <string_view>
#include <vector>

#include "api/store/database.hpp"

namespace ambient::api::authz {

// What the rule looks at in a binding and its role.
struct CredentialBindingView {
    std::string_view scope;
    std::string_view credential_id;
    std::string_view user_id;
    std::string_view project_id;
    std::string_view role_name;
    const std::vector<std::string>& role_permissions;
};

// True when the binding grants its credential to sessions (above).
bool grants_to_sessions(const CredentialBindingView& binding);

// The roles a credential owner may grant to a project or agent (and, with them, to a user
// named in the binding): never one above credential:token-reader's level.
bool is_grantable_to_sessions(std::string_view role_name);

struct CredentialGrant {
    std::string credential_id, provider, name, grant;  // grant: "agent" | "project" | "global"
};

// Live credentials granted to sessions of (project_id, agent_id) (agent_id empty: a session
// without agent), each once with its most specific grant; ordered most specific first
// (agent, project, global), then by the credential's created_at.
std::vector<CredentialGrant> granted_credentials(store::Connection& conn, const std::string& project_id,
                                                 const std::string& agent_id);

// True when the live credential is granted to sessions of (project_id, agent_id).
bool credential_granted(store::Connection& conn, const std::string& credential_id, const std::string& project_id,
                        const std::string& agent_id);

}  // namespace ambient::api::authz
