#include "api/authz/binding_store.hpp"

#include <nlohmann/json.hpp>

namespace ambient::api::authz {

std::vector<std::string> parse_permissions(const std::string& json) {
    std::vector<std::string> out;
    const auto parsed = nlohmann::json::parse(json, nullptr, false);
    if (!parsed.is_array()) return out;
    for (const auto& p : parsed) {
        if (p.is_string()) out.push_back(p.get<std::string>());
    }
    return out;
}

std::vector<Binding> load_user_bindings(store::Connection& conn, const std::string& username) {
    const auto rs = conn.exec(
        "SELECT b.id, r.name, r.permissions, b.scope, b.project_id, b.agent_id, b.session_id, b.credential_id "
        "FROM role_bindings b JOIN roles r ON r.id = b.role_id "
        "WHERE b.user_id = ? AND b.deleted_at IS NULL AND r.deleted_at IS NULL",
        {username});
    std::vector<Binding> bindings;
    bindings.reserve(rs.rows.size());
    for (const auto& row : rs.rows) {
        bindings.push_back(Binding{store::text_of(row[0]), store::text_of(row[1]),
                                   parse_permissions(store::text_of(row[2])), store::text_of(row[3]),
                                   store::text_of(row[4]), store::text_of(row[5]), store::text_of(row[6]),
                                   store::text_of(row[7])});
    }
    return bindings;
}

}  // namespace ambient::api::authz
