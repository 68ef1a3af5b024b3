#include "api/resources/session_credentials.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/authz/permission.hpp"
#include "api/crud.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"

namespace ambient::api {
namespace {

constexpr const char* kFetchToken = "credential:fetch_token";

// True when the role's permissions (a JSON array of "resource:action") cover fetch_token.
bool covers_fetch_token(const std::string& permissions) {
    const auto doc = nlohmann::json::parse(permissions, nullptr, false);
    if (!doc.is_array()) return false;
    return std::any_of(doc.begin(), doc.end(), [](const nlohmann::json& p) {
        return p.is_string() && authz::permission_covers(p.get<std::string>(), kFetchToken);
    });
}

struct Row {
    CredentialGrant grant;
    int rank = 0;  // 0 agent, 1 project, 2 global
    std::string created_at;
};

// The candidate bindings of (project, agent), optionally for one credential; permission
// filtering happens here (roles.permissions is JSON text), not in SQL.
std::vector<Row> candidates(store::Connection& conn, const std::string& project_id, const std::string& agent_id,
                            const std::string* credential_id) {
    std::string sql =
        "SELECT c.id, c.provider, c.name, c.created_at, rb.project_id, rb.agent_id, r.permissions "
        "FROM role_bindings rb "
        "JOIN roles r ON r.id = rb.role_id AND r.deleted_at IS NULL "
        "JOIN credentials c ON c.id = rb.credential_id AND c.deleted_at IS NULL "
        "WHERE rb.deleted_at IS NULL AND rb.scope = 'credential' AND COALESCE(rb.user_id, '') = '' "
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
    const auto rs = conn.exec(sql, params);
    std::vector<Row> out;
    for (const auto& r : rs.rows) {
        if (!covers_fetch_token(store::text_of(r[6]))) continue;
        const bool has_project = !store::text_of(r[4]).empty();
        const bool has_agent = !store::text_of(r[5]).empty();
        const int rank = has_agent ? 0 : has_project ? 1 : 2;
        static const char* const kGrants[] = {"agent", "project", "global"};
        out.push_back({{store::text_of(r[0]), store::text_of(r[1]), store::text_of(r[2]), kGrants[rank]},
                       rank,
                       store::text_of(r[3])});
    }
    return out;
}

void require_session(store::Connection& conn, const std::string& id, std::string& project_id, std::string& agent_id) {
    const auto row = repo::find(conn, session_schema(), id);
    if (!row) throw not_found(session_schema(), id);
    project_id = model::text_of(*row, "project_id");
    agent_id = model::text_of(*row, "agent_id");
}

http::Handler list_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        const auto grants = in_transaction(ctx, store::TxMode::Read, session_schema(), [&](store::Connection& conn) {
            std::string project_id, agent_id;
            require_session(conn, id, project_id, agent_id);
            return granted_credentials(conn, project_id, agent_id);
        });
        Json items = Json::array();
        for (const auto& g : grants) {
            items.push_back(
                {{"credential_id", g.credential_id}, {"provider", g.provider}, {"name", g.name}, {"grant", g.grant}});
        }
        return json_response(200, Json{{"kind", "SessionCredentialList"}, {"session_id", id}, {"items", items}});
    };
}

}  // namespace

std::vector<CredentialGrant> granted_credentials(store::Connection& conn, const std::string& project_id,
                                                 const std::string& agent_id) {
    auto rows = candidates(conn, project_id, agent_id, nullptr);
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
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

void register_session_credentials(http::Router& router, ApiContext& ctx) {
    const std::string base = std::string(model::kApiBasePath) + "/sessions/{id}/credentials";
    router.add(
        {"GET", base, list_handler(ctx), false, "List the credentials granted to a session's runner", "session:read"});
}

}  // namespace ambient::api
