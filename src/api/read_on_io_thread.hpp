#pragma once
// A one-statement read for a handler on an I/O thread (http::IoHandler): on PostgreSQL the
// statement is sent on an idle pooled connection — or, when all are busy, on the first one
// returned, waited for in the pool's queue — and its answer awaited on the I/O loop
// (http::PendingResponse), sparing the hop to a worker and the worker's blocked round trip;
// on SQLite, which answers in-process, it runs at once. Storage errors become ApiErrors as
// in with_connection(); any other wait (opening a connection) is WouldBlock.
#include <functional>
#include <string>
#include <vector>

#include "api/context.hpp"
#include "api/model/kind.hpp"
#include "common/http/pending_response.hpp"

namespace ambient::api {

// Makes the response from the statement's result; may throw ApiError (a 404).
using RenderResult = std::function<http::Response(store::ResultSet&)>;

http::IoAnswer read_on_io_thread(ApiContext& ctx, const model::KindSchema& schema, const std::string& sql,
                                 std::vector<store::SqlValue> params, RenderResult render);

}  // namespace ambient::api
