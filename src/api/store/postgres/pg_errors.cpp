#include "api/store/postgres/pg_errors.hpp"

#include "api/store/database.hpp"

namespace ambient::store::postgres {

namespace {

std::string trimmed(const char* text) {
    std::string s(text != nullptr ? text : "");
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

bool connection_lost(std::string_view sqlstate) {
    return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

// A write refused as read-only (25006) is an operational fault when the server or the
// session is read-only as a whole (a standby, or default_transaction_read_only set by the
// operator), and a bug when only our own BEGIN READ ONLY refused it. PostgreSQL 14+ reports
// both settings to the client.
bool server_read_only(PGconn* conn) {
    for (const char* name : {"in_hot_standby", "default_transaction_read_only"}) {
        const char* value = PQparameterStatus(conn, name);
        if (value != nullptr && std::string_view(value) == "on") return true;
    }
    return false;
}

}  // namespace

std::string sqlstate_of(const PGresult* result) {
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    return state != nullptr ? state : "";
}

Severity classify(PGconn* conn, std::string_view sqlstate) {
    if (PQstatus(conn) != CONNECTION_OK || connection_lost(sqlstate)) return Severity::Connection;
    return Severity::Statement;
}

void throw_error(PGconn* conn, const PGresult* result) {
    const std::string state = sqlstate_of(result);
    const char* primary = result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    // Client-side failures (lost connection) carry no fields; libpq's connection message
    // describes them and holds no statement data.
    std::string message = trimmed(primary != nullptr ? primary : PQerrorMessage(conn));
    if (message.empty()) message = "PostgreSQL request failed";

    if (state == "23505") throw UniqueViolation(message);
    if (state == "23503") throw ForeignKeyViolation(message);
    if (state == "53100") throw StorageFull(message);  // disk_full
    if (state == "25006" && server_read_only(conn)) throw StorageReadOnly(message);
    if (classify(conn, state) == Severity::Connection || state == "53300" || state == "57014") {
        throw Unavailable("PostgreSQL unavailable: " + message);
    }
    throw StoreError(message);
}

}  // namespace ambient::store::postgres
