#include "api/store/postgres/pg_result.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

#include "api/store/postgres/pg_errors.hpp"
#include "api/store/postgres/pg_values.hpp"

namespace ambient::store::postgres {

bool succeeded(const PGresult* result) {
    const ExecStatusType status = PQresultStatus(result);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
}

bool is_stale_statement(const PGresult* result) {
    const std::string state = sqlstate_of(result);
    if (state == "26000") return true;
    if (state != "0A000") return false;
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    return primary != nullptr && std::string_view(primary).starts_with("cached plan must not");
}

ResultSet to_result_set(const PGresult* result) {
    ResultSet out;
    const int fields = PQnfields(result);
    const int rows = PQntuples(result);
    std::vector<unsigned> types;
    types.reserve(static_cast<std::size_t>(fields));
    out.columns.reserve(static_cast<std::size_t>(fields));
    for (int f = 0; f < fields; ++f) {
        out.columns.emplace_back(PQfname(result, f));
        types.push_back(PQftype(result, f));
    }
    out.rows.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
        std::vector<SqlValue> row;
        row.reserve(static_cast<std::size_t>(fields));
        for (int f = 0; f < fields; ++f) {
            if (PQgetisnull(result, r, f) != 0) {
                row.emplace_back(std::monostate{});
            } else {
                std::string_view text(PQgetvalue(result, r, f), static_cast<std::size_t>(PQgetlength(result, r, f)));
                row.push_back(cell_value(types[static_cast<std::size_t>(f)], text));
            }
        }
        out.rows.push_back(std::move(row));
    }
    // A SELECT reports its row count here too; affected_rows is only for writes, as on SQLite.
    const std::string_view command = PQcmdStatus(const_cast<PGresult*>(result));
    const char* tuples = PQcmdTuples(const_cast<PGresult*>(result));
    if (!command.starts_with("SELECT") && tuples != nullptr && *tuples != '\0') {
        out.affected_rows = std::strtoll(tuples, nullptr, 10);
    }
    return out;
}

}  // namespace ambient::store::postgres
