// Projects: /api/ambient/v1/projects. A project's id is its name, so the name is a DNS
// label and cannot change once created.
//
//   GET    /projects        list    project:list
//   POST   /projects        create  project:create
//   GET    /projects/{id}   get     project:read
//   PATCH  /projects/{id}   patch   project:update
//   DELETE /projects/{id}   delete  project:delete
#include "api/audit/audit_log.hpp"
#include "api/auth/principal.hpp"
#include "api/crud.hpp"
#include "api/request_shape.hpp"
#include "api/resources/owner_bindings.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"

namespace ambient::api {
namespace {

using model::FieldType;

void validate_project(const model::Row& row) {
    if (!row.contains("name")) return;
    if (!is_valid_project_name(model::text_of(row, "name"))) {
        throw ApiError::validation(
            "name must be 2 to 63 characters of lower-case letters, digits and '-', start with a letter and end with "
            "a letter or digit");
    }
}

void before_create(store::Connection& conn, model::Row& row) {
    const auto& name = model::text_of(row, "name");
    row[model::kIdColumn] = name;
    // A deleted project's name may be reused: its row (and, by cascade, its settings) goes
    // for good so the id is free again.
    conn.exec("DELETE FROM projects WHERE id = ? AND deleted_at IS NOT NULL", {name});
}

void before_update(store::Connection&, const model::Row& current, model::Row& changes) {
    auto it = changes.find("name");
    if (it != changes.end() && model::text_of(changes, "name") != model::text_of(current, "name")) {
        throw ApiError::validation("name cannot be changed: it is the project's id");
    }
}

// Soft-deletes the live rows of `schema` that `sql` selects (by id), with their events;
// returns their ids.
std::vector<std::string> remove_where(store::Connection& conn, const model::KindSchema& schema, const std::string& sql,
                                      const std::string& key) {
    std::vector<std::string> ids;
    for (const auto& cells : conn.exec(sql, {key}).rows) {
        ids.push_back(std::get<std::string>(cells[0]));
        repo::remove(conn, schema, ids.back());
    }
    return ids;
}

// Everything that lives in a project goes with it, in the delete's transaction: a new
// project that takes the name later must not inherit another owner's settings, agents,
// sessions, credentials or members. Credentials and bindings removed are audited.
void remove_contents(store::Connection& conn, const Principal& principal, const std::string& project) {
    auto audit = [&](const char* kind, const std::vector<std::string>& ids) {
        for (const auto& id : ids)
            write_audit(conn, audit_record(principal, kind, id, "delete", kAuditAllowed));
    };
    remove_where(conn, inbox_message_schema(),
                 "SELECT m.id FROM inbox_messages m JOIN agents a ON a.id = m.agent_id "
                 "WHERE a.project_id = ? AND m.deleted_at IS NULL",
                 project);
    // Bindings first, while their sessions and credentials are still live.
    for (const char* sql : {"SELECT id FROM role_bindings WHERE project_id = ? AND deleted_at IS NULL",
                            "SELECT id FROM role_bindings WHERE deleted_at IS NULL AND session_id IN "
                            "(SELECT id FROM sessions WHERE project_id = ?)",
                            "SELECT id FROM role_bindings WHERE deleted_at IS NULL AND credential_id IN "
                            "(SELECT id FROM credentials WHERE project_id = ?)"}) {
        audit("role_binding", remove_where(conn, role_binding_schema(), sql, project));
    }
    for (const auto* schema : {&project_settings_schema(), &agent_schema(), &session_schema(), &credential_schema()}) {
        const auto ids = remove_where(
            conn, *schema, "SELECT id FROM " + schema->table + " WHERE project_id = ? AND deleted_at IS NULL", project);
        if (schema == &credential_schema()) audit("credential", ids);
    }
    // Stored tokens of the deleted credentials are secrets with no owner left: erase them.
    conn.exec("UPDATE credentials SET token = NULL WHERE project_id = ? AND deleted_at IS NOT NULL", {project});
}

void after_write(store::Connection& conn, const http::Request& req, WriteKind kind, const model::Row& row) {
    const auto& project = model::text_of(row, model::kIdColumn);
    if (kind == WriteKind::Create) bind_creator(conn, principal_of(req), "project:owner", "project", project);
    if (kind == WriteKind::Delete) remove_contents(conn, principal_of(req), project);
}

}  // namespace

const model::KindSchema& project_schema() {
    static const model::KindSchema schema{
        "Project",
        "projects",
        "projects",
        "Projects",
        {
            {.name = "name", .required = true, .description = "DNS label, 2-63 characters; also the project's id"},
            {.name = "description"},
            {.name = "labels", .description = "JSON text"},
            {.name = "annotations", .description = "JSON text"},
            {.name = "status"},
            {.name = "prompt", .description = "Workspace context injected into agent start prompts"},
        },
    };
    return schema;
}

void register_projects(http::Router& router, ApiContext& ctx) {
    const Crud crud(ctx, project_schema(),
                    {.before_create = before_create,
                     .before_update = before_update,
                     .validate = validate_project,
                     .after_write = after_write});
    const std::string base = std::string(model::kApiBasePath) + "/projects";
    router.add({"GET", base, crud.list(), false, "List projects", "project:list"});
    router.add({"POST", base, crud.create(), false, "Create a project", "project:create"});
    router.add({"GET", base + "/{id}", crud.get(), false, "Get a project", "project:read", http::Runs::OnIoThread,
                crud.get_on_io_thread()});
    router.add({"PATCH", base + "/{id}", crud.patch(), false, "Update a project", "project:update"});
    router.add({"DELETE", base + "/{id}", crud.remove(), false, "Delete a project", "project:delete"});
}

}  // namespace ambient::api
