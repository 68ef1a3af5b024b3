// Roles: /api/ambient/v1/roles. `permissions` is a JSON array of "resource:action" strings
// carried inside a string, as upstream's contract has it. Built-in roles are seeded by a
// migration and cannot be changed or deleted through the API.
//
//   GET    /roles        list    role:list
//   POST   /roles        create  role:create
//   GET    /roles/{id}   get     role:read
//   PATCH  /roles/{id}   patch   role:update
//   DELETE /roles/{id}   delete  role:delete
#include <nlohmann/json.hpp>

#include "api/crud.hpp"
#include "api/resources/resources.hpp"

namespace ambient::api {
namespace {

bool is_permission_part(std::string_view part) {
    if (part == "*") return true;
    if (part.empty() || part.size() > 64) return false;
    for (char c : part) {
        if (!((c >= 'a' && c <= 'z') || c == '_' || c == '-')) return false;
    }
    return true;
}

bool is_permission(std::string_view p) {
    const auto colon = p.find(':');
    return colon != std::string_view::npos && is_permission_part(p.substr(0, colon)) &&
           is_permission_part(p.substr(colon + 1));
}

void validate_role(const model::Row& row) {
    if (row.contains("name")) {
        const auto& name = model::text_of(row, "name");
        if (name.empty() || name.size() > 128) throw ApiError::validation("name must be 1 to 128 characters");
    }
    if (!row.contains("permissions")) return;
    const auto parsed = nlohmann::json::parse(model::text_of(row, "permissions"), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array()) {
        throw ApiError::validation("permissions must be a JSON array of \"resource:action\" strings");
    }
    for (const auto& p : parsed) {
        if (!p.is_string() || !is_permission(p.get<std::string>())) {
            throw ApiError::validation(
                "permissions must be a JSON array of \"resource:action\" strings (lower case, '*' allowed)");
        }
    }
}

void refuse_builtin(const model::Row& current) {
    auto it = current.find("built_in");
    if (it != current.end() && std::holds_alternative<bool>(it->second) && std::get<bool>(it->second)) {
        throw ApiError::forbidden("built-in roles cannot be changed or deleted");
    }
}

}  // namespace

const model::KindSchema& role_schema() {
    using model::FieldType;
    static const model::KindSchema schema{
        "Role",
        "roles",
        "roles",
        "Roles",
        {
            {.name = "name", .required = true, .patchable = false, .description = "Unique among live roles"},
            {.name = "display_name"},
            {.name = "description"},
            {.name = "permissions", .description = "JSON array of \"resource:action\" strings, as a string"},
            {.name = "built_in",
             .type = FieldType::Boolean,
             .patchable = false,
             .settable = false,
             .always_emit = true,
             .description = "Seeded by the server; read-only"},
        },
    };
    return schema;
}

void register_roles(http::Router& router, ApiContext& ctx) {
    const Crud crud(
        ctx, role_schema(),
        {.before_update = [](store::Connection&, const model::Row& current, model::Row&) { refuse_builtin(current); },
         .before_delete = [](store::Connection&, const model::Row& current) { refuse_builtin(current); },
         .validate = validate_role});
    const std::string base = std::string(model::kApiBasePath) + "/roles";
    router.add({"GET", base, crud.list(), false, "List roles", "role:list"});
    router.add({"POST", base, crud.create(), false, "Create a role", "role:create"});
    router.add({"GET", base + "/{id}", crud.get(), false, "Get a role", "role:read", http::Runs::OnIoThread,
                crud.get_on_io_thread()});
    router.add({"PATCH", base + "/{id}", crud.patch(), false, "Update a role", "role:update"});
    router.add({"DELETE", base + "/{id}", crud.remove(), false, "Delete a role", "role:delete"});
}

}  // namespace ambient::api
