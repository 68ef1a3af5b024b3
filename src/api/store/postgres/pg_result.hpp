#pragma once
// What both ways of running a statement (PgConnection::exec, which waits, and PgPendingQuery,
// which does not) do with a PGresult.
#include <libpq-fe.h>

#include <memory>

#include "api/store/database.hpp"

namespace ambient::store::postgres {

struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

bool succeeded(const PGresult* result);

// The server invalidated or lost a statement this connection prepared (a schema change
// altered its result columns, or someone ran DEALLOCATE/DISCARD): prepare it afresh.
bool is_stale_statement(const PGresult* result);

// The rows, cells converted by column type (Connection::exec's contract), and for writes the
// affected row count.
ResultSet to_result_set(const PGresult* result);

}  // namespace ambient::store::postgres
