#include "api/authz/list_visibility.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "api/authz/access.hpp"

namespace ambient::api::authz {
namespace {

// "column IN (?, ?, …)"; "" (no condition can hold) for no ids.
std::string in_list(const std::string& column, const std::vector<std::string>& ids,
                    std::vector<store::SqlValue>& params) {
    if (ids.empty()) return "";
    std::string sql = column + " IN (";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        sql += i == 0 ? "?" : ", ?";
        params.emplace_back(ids[i]);
    }
    return sql + ")";
}

// "(project_id = ? AND <agent column> = ?) OR …" — an agent binding covers its agent in its
// project only; "" for no agents.
std::string in_agents(const std::string& agent_column, const std::vector<std::pair<std::string, std::string>>& agents,
                      std::vector<store::SqlValue>& params) {
    std::string sql;
    for (const auto& [project, agent] : agents) {
        if (!sql.empty()) sql += " OR ";
        sql += "(project_id = ? AND " + agent_column + " = ?)";
        params.emplace_back(project);
        params.emplace_back(agent);
    }
    return sql;
}

// The conditions that can hold ("" marks one that cannot), joined with OR; "1 = 0" when
// none can. A condition that cannot hold is left out rather than written as "1 = 0":
// SQLite uses no index for `project_id IN (…) OR 1 = 0`, and would then read every session
// to count a user's.
std::string any_of(const std::vector<std::string>& conditions) {
    std::string sql;
    for (const auto& condition : conditions) {
        if (condition.empty()) continue;
        if (!sql.empty()) sql += " OR ";
        sql += condition;
    }
    return sql.empty() ? "1 = 0" : sql;
}

void unite(std::vector<std::string>& into, const std::vector<std::string>& more) {
    for (const auto& id : more) {
        if (std::find(into.begin(), into.end(), id) == into.end()) into.push_back(id);
    }
}

// Projects (or credentials) in which the caller may see role bindings: where it may
// read, list, create or delete them.
std::vector<std::string> binding_managed(const Access& access, const char* scope) {
    std::vector<std::string> ids;
    for (const char* p : {"role_binding:read", "role_binding:list", "role_binding:create", "role_binding:delete"}) {
        unite(ids, access.scope_ids(scope, p));
    }
    return ids;
}

store::SqlFragment rows_filter(const Access& access, const Principal& principal, const std::string& table) {
    store::SqlFragment f;
    auto& p = f.params;
    // Each condition appends its parameters as it is built, in the order of the SQL.
    if (table == "projects") {
        f.sql = any_of({in_list("id", access.scope_ids("project", "project:read"), p)});
    } else if (table == "project_settings") {
        f.sql = any_of({in_list("project_id", access.scope_ids("project", "project:read"), p)});
    } else if (table == "agents") {
        auto by_project = in_list("project_id", access.scope_ids("project", "agent:read"), p);
        f.sql = any_of({std::move(by_project), in_agents("id", access.agent_scopes("agent:read"), p)});
    } else if (table == "sessions") {
        auto by_project = in_list("project_id", access.scope_ids("project", "session:read"), p);
        auto by_agent = in_agents("agent_id", access.agent_scopes("session:read"), p);
        f.sql = any_of({std::move(by_project), std::move(by_agent),
                        in_list("id", access.scope_ids("session", "session:read"), p)});
    } else if (table == "credentials") {
        f.sql = any_of({in_list("id", access.scope_ids("credential", "credential:read"), p)});
    } else if (table == "role_bindings") {
        const auto projects = binding_managed(access, "project");
        p.emplace_back(principal.username);
        auto by_project = in_list("project_id", projects, p);
        auto by_credential = in_list("credential_id", binding_managed(access, "credential"), p);
        const auto in_projects = in_list("project_id", projects, p);
        f.sql =
            any_of({"user_id = ?", std::move(by_project), std::move(by_credential),
                    in_projects.empty() ? "" : "session_id IN (SELECT id FROM sessions WHERE " + in_projects + ")"});
    } else if (table == "users") {
        f.sql = "username = ?";
        p.emplace_back(principal.username);
    } else {
        f.sql = "1 = 0";
    }
    return f;
}

}  // namespace

std::string read_permission(const std::string& table) {
    if (table == "projects" || table == "project_settings") return "project:read";
    if (table == "agents") return "agent:read";
    if (table == "sessions") return "session:read";
    if (table == "credentials") return "credential:read";
    if (table == "role_bindings") return "role_binding:read";
    if (table == "users") return "user:read";
    if (table == "roles") return "";
    return "*:*";
}

std::optional<store::SqlFragment> visible_rows(const Principal& principal, const std::string& table) {
    if (principal.kind == Principal::Kind::Service) return std::nullopt;
    const auto permission = read_permission(table);
    if (permission.empty()) return std::nullopt;
    if (principal.kind == Principal::Kind::Runner || principal.access == nullptr)
        return store::SqlFragment{"1 = 0", {}};
    const Access& access = *principal.access;
    if (access.allows_everywhere(permission)) return std::nullopt;
    return rows_filter(access, principal, table);
}

}  // namespace ambient::api::authz
