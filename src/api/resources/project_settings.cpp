// Project settings: /api/ambient/v1/project_settings, at most one live object per project.
//
//   GET    /project_settings        list    project_settings:list   (scoped by project_id / X-Ambient-Project)
//   POST   /project_settings        create  project_settings:create
//   GET    /project_settings/{id}   get     project_settings:read
//   PATCH  /project_settings/{id}   patch   project_settings:update
//   DELETE /project_settings/{id}   delete  project_settings:delete
#include "api/crud.hpp"
#include "api/resources/resources.hpp"

namespace ambient::api {
namespace {

void require_project(store::Connection& conn, const std::string& project_id) {
    if (!project_exists(conn, project_id)) {
        throw ApiError::validation("project '" + project_id.substr(0, 63) + "' does not exist");
    }
}

void before_create(store::Connection& conn, model::Row& row) {
    require_project(conn, model::text_of(row, "project_id"));
}

std::optional<std::string> list_project(const http::Request& req) {
    return requested_project(req);
}

}  // namespace

const model::KindSchema& project_settings_schema() {
    static const model::KindSchema schema{
        "ProjectSettings",
        "project_settings",
        "project_settings",
        "ProjectSettings",
        {
            {.name = "project_id",
             .required = true,
             .patchable = false,
             .description = "The project these settings belong to; cannot move to another project"},
            {.name = "group_access", .description = "JSON text, e.g. [{\"group_name\":\"devs\",\"role\":\"edit\"}]"},
            {.name = "repositories", .description = "JSON text"},
        },
    };
    return schema;
}

void register_project_settings(http::Router& router, ApiContext& ctx) {
    const Crud crud(ctx, project_settings_schema(), {.before_create = before_create, .list_project = list_project});
    const std::string base = std::string(model::kApiBasePath) + "/project_settings";
    router.add({"GET", base, crud.list(), false, "List project settings", "project_settings:list"});
    router.add({"POST", base, crud.create(), false, "Create a project's settings", "project:update"});
    router.add({"GET", base + "/{id}", crud.get(), false, "Get project settings", "project:read",
                http::Runs::OnIoThread, crud.get_on_io_thread()});
    router.add({"PATCH", base + "/{id}", crud.patch(), false, "Update project settings", "project:update"});
    router.add({"DELETE", base + "/{id}", crud.remove(), false, "Delete project settings", "project:update"});
}

}  // namespace ambient::api
