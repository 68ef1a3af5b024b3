#pragma once
// The small pieces every resource handler uses: reading bodies and list parameters,
// running work in a transaction with storage errors mapped to API errors, rendering.
#include <string>
#include <vector>

#include "api/context.hpp"
#include "api/model/kind.hpp"
#include "api/model/render.hpp"
#include "api/model/row.hpp"
#include "api/repository.hpp"
#include "common/api_error.hpp"
#include "common/http/message.hpp"

namespace ambient::api {

using model::Json;

http::Response json_response(int status, const Json& body);
http::Response no_content();

// Body parsing with BodyError mapped to 400s.
model::Row create_body(const model::KindSchema& schema, const http::Request& req);
model::Row patch_body(const model::KindSchema& schema, const http::Request& req);

struct ListParams {
    ListQuery query;
    std::vector<std::string> fields;  // empty: whole objects
};
// page, size, search, orderBy and fields from the query string; 400 on bad values.
ListParams list_params(const model::KindSchema& schema, const http::Request& req);

// {kind:"<Kind>List", page, size, total, items}
Json render_list(const model::KindSchema& schema, const ListResult& result, const ListParams& params);

// The project a request is scoped to: the `project_id` query parameter, else the
// X-Ambient-Project header; nullopt when neither is given. 400 when the value is not
// `^[A-Za-z0-9_-]+$`.
std::optional<std::string> requested_project(const http::Request& req);

// True when a live project with this id exists.
bool project_exists(store::Connection& conn, const std::string& project_id);

// 404 "<Kind> with id='<id>' not found", the id cut to 128 characters (it is client text).
ApiError not_found(std::string_view kind, std::string_view id);
ApiError not_found(const model::KindSchema& schema, std::string_view id);

// Runs `work(conn)` in a transaction and commits; storage and search errors become
// ApiErrors (409, 400, 507, 503, 500). `work` may throw ApiError to roll back.
template <typename Work>
auto in_transaction(ApiContext& ctx, store::TxMode mode, const model::KindSchema& schema, Work&& work);

[[noreturn]] void rethrow_as_api_error(const model::KindSchema& schema);

// Runs `work(conn)` on a pooled connection without an explicit transaction: for a read
// that is one statement, where BEGIN and COMMIT would triple the round trips.
template <typename Work>
auto with_connection(ApiContext& ctx, const model::KindSchema& schema, Work&& work) {
    try {
        auto lease = ctx.db.acquire();
        return work(*lease);
    } catch (const ApiError&) {
        throw;
    } catch (...) {
        rethrow_as_api_error(schema);
    }
}

// After a write transaction committed: wakes the watch streams of this process and, by a
// NOTIFY sent after the commit (Notifier::publish), those of other processes, and lets
// event retention prune.
void after_write_commit(ApiContext& ctx) noexcept;

template <typename Work>
auto in_transaction(ApiContext& ctx, store::TxMode mode, const model::KindSchema& schema, Work&& work) {
    try {
        auto lease = ctx.db.acquire();
        store::Transaction tx(lease, mode);
        if constexpr (std::is_void_v<decltype(work(*lease))>) {
            work(*lease);
            tx.commit();
            if (mode == store::TxMode::Write) after_write_commit(ctx);
        } else {
            auto result = work(*lease);
            tx.commit();
            if (mode == store::TxMode::Write) after_write_commit(ctx);
            return result;
        }
    } catch (const ApiError&) {
        throw;
    } catch (...) {
        rethrow_as_api_error(schema);
    }
}

}  // namespace ambient::api
