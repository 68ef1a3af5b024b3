#pragma once
// Small helpers for the authorization attacks: role bindings made with the service token,
// and SQL run straight on the server's database (to plant what an older server stored).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "api/builtin_roles.hpp"
#include "security/security_fixture.hpp"

namespace ambient::testing {

// Binds `user` ("" for a grant to a project or agent) as `role` at `scope`, the ids in
// `where`, with the service token; returns the binding's id.
inline std::string bind_role(HttpClient& admin, const std::string& user, const std::string& role,
                             const std::string& scope, const nlohmann::json& where = nlohmann::json::object()) {
    nlohmann::json body = {{"role_id", api::builtin_role_id(role)}, {"scope", scope}};
    if (!user.empty()) body["user_id"] = user;
    for (const auto& [k, v] : where.items())
        body[k] = v;
    auto r = admin.post(api_path("/role_bindings"), body.dump());
    EXPECT_EQ(r.status, 201) << body.dump() << ": " << r.body;
    return r.status == 201 ? r.json()["id"].get<std::string>() : std::string();
}

// Runs one statement on the server's database.
inline store::ResultSet run_sql(const ApiServer& server, const std::string& sql,
                                std::vector<store::SqlValue> params = {}) {
    auto db = server.open_database();
    auto lease = db->acquire();
    return lease->exec(sql, params);
}

}  // namespace ambient::testing
