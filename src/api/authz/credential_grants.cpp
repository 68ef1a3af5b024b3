#include "api/authz/credential_grants.hpp"

#include <algorithm>

#include "api/authz/binding_store.hpp"
#include "api/authz/permission.hpp"

namespace ambient::api::authz {
namespace {

constexpr std::string_view kFetchToken = "credential:fetch_token";

bool covers_fetch_token(const std::vector<std::string>& permissions) {
    return std::any_of(permissions.begin(), permissions.end(),
                       [](const std::string& p) { return permission_covers(p, kFetchToken); });
}

struct Candidate {
    CredentialGrant grant;
    int rank = 0;  // 0 agent, 1 project, 2 global
    std::string created_at;
};

// The credential bindings that could reach sessions of (project, agent), optionally for one
// credential. Which of them do is grants_to_sessions' decision, not the SQL's: roles'
// permissions are JSON text, and the rule must be the one grant_rules applies.
std::vector<Candidate> candidates(store::Connection& conn, const std::string& project_id, const std::string& agent_id,
                                  const std::string* credential_id) {
    std::string sql =
        "SELECT c.id, c.provider, c.name, c.created_at, rb.project_id, rb.agent_id, rb.user_id, r.name, "
        "r.permissions "
        "FROM role_bindings rb "
        "JOIN roles r ON r.id = rb.role_id AND r.deleted_at IS NULL "
        "JOIN credentials c ON c.id = rb.credential_id AND c.deleted_at IS NULL "
        "WHERE rb.deleted_at IS NULL AND rb.scope = 'credential' "
        "AND ((COALESCE(rb.project_id, '') = '' AND COALESCE(rb.agent_id, '') = '') "
        "OR (rb.project_id = ? AND COALESCE(rb.agent_id, '') = '')";
    std::vector<store::SqlValue> params = {project_id};
    if (!agent_id.empty()) {
        sql += " OR (rb.project_id = ? AND rb.agent_id = ?)";
        params.emplace_back(project_id);
        params.emplace_back(agent_id);
    }
    sql += ")";
    if (credential_id != nullptr) {
        sql += " AND c.id = ?";
        params.emplace_back(*credential_id);
    }
    std::vector<Candidate> out;
    for (const auto& r : conn.exec(sql, params).rows) {
        const auto permissions = parse_permissions(store::text_of(r[8]));
        const auto credential = store::text_of(r[0]);
        const auto project = store::text_of(r[4]);
        const auto user = store::text_of(r[6]);
        const auto role = store::text_of(r[7]);
        if (!grants_to_sessions({"credential", credential, user, project, role, permissions})) continue;
        const int rank = !store::text_of(r[5]).empty() ? 0 : !project.empty() ? 1 : 2;
        static const char* const kGrants[] = {"agent", "project", "global"};
        out.push_back(
            {{credential, store::text_of(r[1]), store::text_of(r[2]), kGrants[rank]}, rank, store::text_of(r[3])});
    }
    return out;
}

}  // namespace

bool is_grantable_to_sessions(std::string_view role_name) {
    return role_name == "credential:token-reader" || role_name == "credential:viewer";
}

bool grants_to_sessions(const CredentialBindingView& b) {
    if (b.scope != "credential" || b.credential_id.empty()) return false;
    // A user's own binding on the credential, with no project, is about that user only.
    if (b.project_id.empty() && !b.user_id.empty()) return false;
    if (is_grantable_to_sessions(b.role_name)) return true;
    // Other roles (a custom one, by an admin) grant only as before upstream's form: to no user.
    return b.user_id.empty() && covers_fetch_token(b.role_permissions);
}

std::vector<CredentialGrant> granted_credentials(store::Connection& conn, const std::string& project_id,
                                                 const std::string& agent_id) {
    auto rows = candidates(conn, project_id, agent_id, nullptr);
    std::sort(rows.begin(), rows.end(), [](const Candidate& a, const Candidate& b) {
        if (a.rank != b.rank) return a.rank < b.rank;
        if (a.created_at != b.created_at) return a.created_at < b.created_at;
        return a.grant.credential_id < b.grant.credential_id;
    });
    std::vector<CredentialGrant> out;
    for (auto& r : rows) {
        const bool seen = std::any_of(
            out.begin(), out.end(), [&](const CredentialGrant& g) { return g.credential_id == r.grant.credential_id; });
        if (!seen) out.push_back(std::move(r.grant));
    }
    return out;
}

bool credential_granted(store::Connection& conn, const std::string& credential_id, const std::string& project_id,
                        const std::string& agent_id) {
    if (credential_id.empty() || project_id.empty()) return false;
    return !candidates(conn, project_id, agent_id, &credential_id).empty();
}

}  // namespace ambient::api::authz
