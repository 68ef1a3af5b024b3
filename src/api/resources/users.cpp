// Users: /api/ambient/v1/users. A username is unique among live users.
//
//   GET    /users        list    user:list
//   POST   /users        create  user:create
//   GET    /users/{id}   get     user:read
//   PATCH  /users/{id}   patch   user:update
//   DELETE /users/{id}   delete  user:delete
//   GET    /users/me     who the caller is, as authentication established it (any caller)
#include "api/auth/principal.hpp"
#include "api/crud.hpp"
#include "api/handler_support.hpp"
#include "api/resources/resources.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

void validate_user(const model::Row& row) {
    if (row.contains("username") && model::text_of(row, "username").empty()) {
        throw ApiError::validation("username must not be empty");
    }
}

const char* kind_name(Principal::Kind kind) {
    switch (kind) {
        case Principal::Kind::Service:
            return "service";
        case Principal::Kind::Runner:
            return "runner";
        case Principal::Kind::User:
            break;
    }
    return "user";
}

// The caller's identity from its verified token, and its users row when one holds that
// username (a user need not have one: the token is who they are).
http::Response who_am_i(ApiContext& ctx, http::Request& req) {
    const auto& principal = principal_of(req);
    Json me{{"kind", "CurrentUser"}, {"type", kind_name(principal.kind)}, {"username", principal.username}};
    if (!principal.name.empty()) me["name"] = principal.name;
    if (!principal.email.empty()) me["email"] = principal.email;
    if (!principal.session_id.empty()) me["session_id"] = principal.session_id;
    if (!principal.project_id.empty()) me["project_id"] = principal.project_id;
    if (principal.expires_at) me["expires_at"] = format_rfc3339(*principal.expires_at);
    if (principal.kind == Principal::Kind::User && !principal.username.empty()) {
        auto lease = ctx.db.acquire();
        const auto rs =
            lease->exec("SELECT id FROM users WHERE username = ? AND deleted_at IS NULL", {principal.username});
        if (!rs.rows.empty()) me["user_id"] = store::text_of(rs.rows[0][0]);
    }
    return json_response(200, me);
}

}  // namespace

const model::KindSchema& user_schema() {
    static const model::KindSchema schema{
        "User",
        "users",
        "users",
        "Users",
        {
            {.name = "username", .required = true, .description = "The login name (the token's username claim)"},
            {.name = "name", .required = true},
            {.name = "email"},
        },
    };
    return schema;
}

void register_users(http::Router& router, ApiContext& ctx) {
    const Crud crud(ctx, user_schema(), {.validate = validate_user});
    const std::string base = std::string(model::kApiBasePath) + "/users";
    router.add({"GET", base, crud.list(), false, "List users", "user:list"});
    router.add({"POST", base, crud.create(), false, "Create a user", "user:create"});
    router.add({"GET", base + "/me", [&ctx](http::Request& req) { return who_am_i(ctx, req); }, false,
                "Who the caller is", "user:me"});
    router.add({"GET", base + "/{id}", crud.get(), false, "Get a user", "user:read", http::Runs::OnIoThread,
                crud.get_on_io_thread()});
    router.add({"PATCH", base + "/{id}", crud.patch(), false, "Update a user", "user:update"});
    router.add({"DELETE", base + "/{id}", crud.remove(), false, "Delete a user", "user:delete"});
}

}  // namespace ambient::api
