#include "api/store/postgres/pg_pending_query.hpp"

#include "api/store/postgres/pg_connection.hpp"
#include "api/store/postgres/pg_errors.hpp"
#include "api/store/postgres/placeholders.hpp"
#include "common/may_block.hpp"

namespace ambient::store::postgres {

PgPendingQuery::PgPendingQuery(PgConnection& conn, std::string sql, const std::vector<SqlValue>& params)
    : conn_(conn), sql_(std::move(sql)), params_(params) {
    // A connection the server hung up on is reset by revive() before it is lent; one that
    // broke since cannot send.
    if (conn_.broken_) throw Unavailable("PostgreSQL connection is broken");
    if (const auto* prepared = conn_.prepared_.find(sql_)) {
        statement_ = prepared->name;
        placeholders_ = prepared->placeholders;
        send_execute();
        return;
    }
    // Prepared first, then executed, as exec() does: the statement stays prepared on this
    // connection for the next request that reads the same way.
    const auto entry = conn_.next_statement(sql_);
    statement_ = entry.name;
    placeholders_ = entry.placeholders;
    const NumberedSql numbered = number_placeholders(sql_);
    if (PQsendPrepare(conn_.conn_, statement_.c_str(), numbered.sql.c_str(), static_cast<int>(placeholders_),
                      nullptr) == 0) {
        lost_connection();
    }
    step_ = Step::Preparing;
}

int PgPendingQuery::socket() const {
    return PQsocket(conn_.conn_);
}

void PgPendingQuery::send_execute() {
    if (placeholders_ != params_.size()) {
        throw StoreError("statement has " + std::to_string(placeholders_) + " placeholders but " +
                         std::to_string(params_.size()) + " parameters were given");
    }
    const auto values = params_.values();
    if (PQsendQueryPrepared(conn_.conn_, statement_.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                            nullptr, /*resultFormat=text*/ 0) == 0) {
        lost_connection();
    }
    step_ = Step::Executing;
}

std::optional<ResultSet> PgPendingQuery::advance() {
    if (step_ == Step::Done) throw StoreError("PgPendingQuery::advance after its result was taken");
    if (PQconsumeInput(conn_.conn_) == 0) lost_connection();
    // A step ends when libpq hands over a null result after the step's own; until then
    // another result may follow (it never does for one statement) and the connection is busy.
    while (PQisBusy(conn_.conn_) == 0) {
        PGresult* next = PQgetResult(conn_.conn_);
        if (next == nullptr) {
            if (auto done = finish_step()) return done;
            continue;  // the statement was prepared and its execution sent: read on
        }
        if (result_) {
            PQclear(next);
        } else {
            result_.reset(next);
        }
    }
    return std::nullopt;
}

std::optional<ResultSet> PgPendingQuery::finish_step() {
    ResultPtr result = std::move(result_);
    if (!result) lost_connection();  // the stream ended without an answer
    if (step_ == Step::Preparing) {
        if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
            step_ = Step::Done;
            conn_.fail(result.release());
        }
        conn_.remember(sql_, PgConnection::Prepared{statement_, placeholders_});
        send_execute();
        return std::nullopt;
    }
    step_ = Step::Done;
    if (succeeded(result.get())) return to_result_set(result.get());
    if (is_stale_statement(result.get())) {
        // exec() prepares afresh and runs once more; that takes round trips here too, so the
        // caller runs the statement again where it may wait (nothing was changed: the
        // statement failed, and it was not in a transaction, so nothing is lost).
        conn_.forget(sql_);
        throw WouldBlock();
    }
    conn_.fail(result.release());
}

void PgPendingQuery::lost_connection() {
    step_ = Step::Done;
    // Whatever libpq says, the statement's fate is unknown and the connection's state with it:
    // revive() resets it before its next use.
    conn_.broken_ = true;
    std::string message = PQerrorMessage(conn_.conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
    throw Unavailable("PostgreSQL unavailable: " + (message.empty() ? std::string("connection lost") : message));
}

}  // namespace ambient::store::postgres
