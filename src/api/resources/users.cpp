// Users: /api/ambient/v1/users. A username is unique among live users.
//
//   GET    /users        list    user:list
//   POST   /users        create  user:create
//   GET    /users/{id}   get     user:read
//   PATCH  /users/{id}   patch   user:update
//   DELETE /users/{id}   delete  user:delete
#include "api/crud.hpp"
#include "api/resources/resources.hpp"

namespace ambient::api {
namespace {

void validate_user(const model::Row& row) {
    if (row.contains("username") && model::text_of(row, "username").empty()) {
        throw ApiError::validation("username must not be empty");
    }
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
    router.add({"GET", base + "/{id}", crud.get(), false, "Get a user", "user:read"});
    router.add({"PATCH", base + "/{id}", crud.patch(), false, "Update a user", "user:update"});
    router.add({"DELETE", base + "/{id}", crud.remove(), false, "Delete a user", "user:delete"});
}

}  // namespace ambient::api
