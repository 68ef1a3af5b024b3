#include "api/resources/owner_bindings.hpp"

#include "api/audit/audit_log.hpp"
#include "api/builtin_roles.hpp"
#include "api/repository.hpp"
#include "api/resources/resources.hpp"

namespace ambient::api {

void bind_creator(store::Connection& conn, const Principal& creator, const std::string& role, const std::string& scope,
                  const std::string& id) {
    if (creator.kind != Principal::Kind::User || creator.username.empty()) return;
    model::Row row = {{"role_id", builtin_role_id(role)}, {"scope", scope}, {"user_id", creator.username}};
    row[scope + "_id"] = id;
    const auto stored = repo::insert(conn, role_binding_schema(), std::move(row));
    write_audit(conn, audit_record(creator, "role_binding", model::text_of(stored, "id"), "create", kAuditAllowed));
}

}  // namespace ambient::api
