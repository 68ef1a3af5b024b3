#pragma once
// Maps libpq failures onto the storage error vocabulary by SQLSTATE.
#include <libpq-fe.h>

#include <string>
#include <string_view>

namespace ambient::store::postgres {

// What a failure means for the connection it happened on.
enum class Severity {
    Statement,   // the statement failed; the connection is fine
    Connection,  // the connection is unusable and must be reset before its next use
};

// Severity of a failure with `sqlstate` (may be empty) on `conn`.
Severity classify(PGconn* conn, std::string_view sqlstate);

// Throws UniqueViolation (23505), ForeignKeyViolation (23503), StorageFull (53100),
// StorageReadOnly (25006 on a standby or a read-only session), Unavailable (connection
// failures 08xxx, shutdowns 57P01-57P03, too many connections 53300, statement timeout
// 57014, or a bad connection) or StoreError. The message is the server's primary message,
// which never contains parameter values (those are only in the detail field).
[[noreturn]] void throw_error(PGconn* conn, const PGresult* result);

// The SQLSTATE of a failed result, or "" when there is none (client-side failures).
std::string sqlstate_of(const PGresult* result);

}  // namespace ambient::store::postgres
