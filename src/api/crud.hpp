#pragma once
// The five standard handlers of a kind (list, create, get, patch, delete) with per-kind
// rules plugged in as hooks. Each resource file builds one and lists its routes.
#include <functional>
#include <optional>
#include <string>

#include "api/context.hpp"
#include "api/handler_support.hpp"
#include "common/http/router.hpp"

namespace ambient::api {

enum class WriteKind { Create, Update, Delete };
// "create", "update", "delete": the action's name in permissions and audit records.
const char* write_action_name(WriteKind kind);

struct CrudHooks {
    // Checks and completes a new row before insert (may query through conn). Throw ApiError.
    std::function<void(store::Connection&, model::Row&)> before_create;
    // Checks a patch against the current row; may edit `changes`.
    std::function<void(store::Connection&, const model::Row& current, model::Row& changes)> before_update;
    std::function<void(store::Connection&, const model::Row& current)> before_delete;
    // Validation that needs no database (field formats); runs for create and patch.
    std::function<void(const model::Row&)> validate;
    // The project a list is confined to by the request (a nested route, a project_id
    // query); nullopt: every project the caller may see. Lists and watch streams both apply it.
    std::function<std::optional<std::string>(const http::Request&)> list_project;

    // Checks a write against the caller (role-binding grant rules): runs in the write's
    // transaction after the other hooks, with the row as it is (null on create) and as it
    // would be after the write (the current row on delete). Throw ApiError to refuse.
    std::function<void(store::Connection&, const http::Request&, WriteKind, const model::Row* current,
                       const model::Row& proposed)>
        authorize_write;
    // Runs in the write's transaction after it succeeded (audit records), with the row as
    // stored (as it was, on delete).
    std::function<void(store::Connection&, const http::Request&, WriteKind, const model::Row& row)> after_write;
};

class Crud {
public:
    Crud(ApiContext& ctx, const model::KindSchema& schema, CrudHooks hooks = {})
        : ctx_(ctx), schema_(schema), hooks_(std::move(hooks)) {}

    http::Handler list() const;
    http::Handler create() const;
    // Reads one row and changes nothing, so its routes run on the I/O thread
    // (http::Runs::OnIoThread) with get_on_io_thread(): with an idle pooled connection it
    // answers there, on PostgreSQL once the I/O loop sees the row arrive; get() answers on a
    // worker otherwise.
    http::Handler get() const;
    http::IoHandler get_on_io_thread() const;
    http::Handler patch() const;
    http::Handler remove() const;

    // The id path parameter's name in this kind's routes.
    static constexpr const char* kIdParam = "id";

private:
    // GET's answer for the row read by id (nullopt: none).
    http::Response found(std::string_view id, const std::optional<model::Row>& row) const;

    ApiContext& ctx_;
    const model::KindSchema& schema_;
    CrudHooks hooks_;
};

}  // namespace ambient::api
