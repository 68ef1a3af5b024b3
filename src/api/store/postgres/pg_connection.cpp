#include "api/store/postgres/pg_connection.hpp"

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <optional>

#include "api/store/postgres/pg_connect.hpp"
#include "api/store/postgres/pg_errors.hpp"
#include "api/store/postgres/pg_pending_query.hpp"
#include "api/store/postgres/pg_result.hpp"
#include "api/store/postgres/pg_url.hpp"
#include "api/store/postgres/pg_values.hpp"
#include "api/store/postgres/placeholders.hpp"
#include "common/may_block.hpp"

namespace ambient::store::postgres {

namespace {

// An idle connection has nothing to read unless the server ended the session (a restart, a
// shutdown, an administrator's pg_terminate_backend): it sent its last words, or closed.
// Anything else unasked for (a notice) merely costs a reconnect.
bool server_hung_up(PGconn* conn) {
    pollfd fd{PQsocket(conn), POLLIN, 0};
    return fd.fd < 0 || ::poll(&fd, 1, 0) != 0;
}

std::string trimmed(const char* text) {
    std::string s(text != nullptr ? text : "");
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0)
        s.pop_back();
    return s;
}

bool is_commit(std::string_view sql) {
    while (!sql.empty() && std::isspace(static_cast<unsigned char>(sql.front())) != 0) {
        sql.remove_prefix(1);
    }
    while (!sql.empty() && (sql.back() == ';' || std::isspace(static_cast<unsigned char>(sql.back())) != 0)) {
        sql.remove_suffix(1);
    }
    std::string upper(sql);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return upper == "COMMIT" || upper == "END" || upper == "COMMIT TRANSACTION" || upper == "COMMIT WORK";
}

}  // namespace

PgConnection::PgConnection(std::string url, const DatabaseOptions& options, Database* owner)
    : url_(std::move(url)), options_(options), owner_(owner) {
    connect();
}

PgConnection::~PgConnection() {
    PQfinish(conn_);
}

void PgConnection::connect() {
    // Bounded so an unreachable host surfaces as Unavailable instead of blocking a request.
    conn_ = connect_to(url_, options_.connect_timeout, "ambient-api-server");
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
        std::string message = conn_ != nullptr ? trimmed(PQerrorMessage(conn_)) : "out of memory";
        PQfinish(conn_);
        conn_ = nullptr;
        throw Unavailable("cannot connect to PostgreSQL at " + redact_password(url_) + ": " + message);
    }
    // Server notices ("relation already exists, skipping") are expected chatter; libpq
    // would print them to stderr.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    try {
        start_session();
    } catch (...) {
        PQfinish(conn_);
        conn_ = nullptr;
        throw;
    }
}

void PgConnection::start_session() {
    // UTC so timestamps print as +00 and normalise to the canonical Z form.
    // random_page_cost as for data in memory or on SSD (PostgreSQL's default, 4, models a
    // spinning disk): with the default a table of a few hundred rows, such as a project
    // list, is read whole for a GET by id rather than through its primary key, which
    // measured 1.5 times slower (docs/performance.md, PostgreSQL reads on the I/O loop).
    const std::string sql =
        "SET TIME ZONE 'UTC'; SET statement_timeout = " + std::to_string(options_.statement_timeout.count()) +
        "; SET application_name = 'ambient-api-server'; SET random_page_cost = 1.1";
    ResultPtr result(PQexec(conn_, sql.c_str()));
    if (!succeeded(result.get())) {
        std::string message = trimmed(PQerrorMessage(conn_));
        throw Unavailable("cannot set up PostgreSQL session: " + message);
    }
}

void PgConnection::fail(PGresult* result) {
    ResultPtr owned(result);
    if (classify(conn_, sqlstate_of(owned.get())) == Severity::Connection) broken_ = true;
    throw_error(conn_, owned.get());
}

const PgConnection::Prepared& PgConnection::prepare(const std::string& sql) {
    if (const Prepared* cached = prepared_.find(sql)) return *cached;
    const Prepared entry = next_statement(sql);
    const NumberedSql numbered = number_placeholders(sql);
    ResultPtr result(
        PQprepare(conn_, entry.name.c_str(), numbered.sql.c_str(), static_cast<int>(numbered.placeholders), nullptr));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) fail(result.release());
    return remember(sql, entry);
}

PgConnection::Prepared PgConnection::next_statement(const std::string& sql) {
    return Prepared{"ambient_" + std::to_string(++next_statement_), number_placeholders(sql).placeholders};
}

const PgConnection::Prepared& PgConnection::remember(const std::string& sql, Prepared entry) {
    if (auto evicted = prepared_.insert(sql, std::move(entry))) deallocate(evicted->name);
    return *prepared_.find(sql);
}

void PgConnection::forget(const std::string& sql) noexcept {
    if (auto entry = prepared_.erase(sql)) deallocate(entry->name);
}

void PgConnection::deallocate(const std::string& name) noexcept {
    try {
        pending_deallocate_.push_back(name);
    } catch (...) {
        return;  // leaks one server-side statement until the session ends; harmless
    }
    deallocate_pending();
}

void PgConnection::deallocate_pending() noexcept {
    // Only outside a transaction: a DEALLOCATE that fails (the statement may already be
    // gone) must not abort the borrower's transaction. Not on an I/O thread either: each is a
    // round trip, left to the next borrower that may wait.
    if (broken_ || !may_block() || PQtransactionStatus(conn_) != PQTRANS_IDLE) return;
    for (const std::string& name : pending_deallocate_) {
        const std::string sql = "DEALLOCATE " + name;
        PQclear(PQexec(conn_, sql.c_str()));
    }
    pending_deallocate_.clear();
}

ResultSet PgConnection::exec(std::string_view sql, const std::vector<SqlValue>& params) {
    ensure_may_block();  // a round trip to the database server; send() is the way that does not wait
    const ParamTexts texts(params);
    const auto values = texts.values();

    const std::string key(sql);
    for (int attempt = 0;; ++attempt) {
        const Prepared& prepared = prepare(key);
        if (prepared.placeholders != params.size()) {
            throw StoreError("statement has " + std::to_string(prepared.placeholders) + " placeholders but " +
                             std::to_string(params.size()) + " parameters were given");
        }
        const PGTransactionStatusType before = PQtransactionStatus(conn_);
        ResultPtr result(PQexecPrepared(conn_, prepared.name.c_str(), static_cast<int>(values.size()), values.data(),
                                        nullptr, nullptr, /*resultFormat=text*/ 0));
        if (succeeded(result.get())) {
            // COMMIT of a transaction that already failed answers ROLLBACK, not an error;
            // the caller must not believe its writes landed.
            if (std::string_view(PQcmdStatus(result.get())) == "ROLLBACK" && is_commit(key)) {
                throw StoreError("COMMIT rolled back: an earlier statement in the transaction failed");
            }
            return to_result_set(result.get());
        }
        if (is_stale_statement(result.get())) {
            forget(key);
            // Outside a transaction nothing was lost by the failure, so trying once more
            // with a fresh statement is invisible to the caller.
            if (attempt == 0 && before == PQTRANS_IDLE) continue;
        }
        fail(result.release());
    }
}

std::unique_ptr<PendingQuery> PgConnection::send(std::string_view sql, const std::vector<SqlValue>& params) {
    return std::make_unique<PgPendingQuery>(*this, std::string(sql), params);
}

void PgConnection::exec_script(std::string_view sql) {
    ensure_may_block();
    const std::string script(sql);
    ResultPtr result(PQexec(conn_, script.c_str()));
    if (!succeeded(result.get())) fail(result.release());
}

bool PgConnection::revive() noexcept {
    // Checked before lending, so that the first request after a database restart gets a
    // live connection instead of the dead one and a 503.
    if (!broken_ && PQstatus(conn_) == CONNECTION_OK && !server_hung_up(conn_)) return true;
    // Reconnecting takes round trips: where that may not wait, the pool drops this connection
    // and the request runs again where a new one can be opened.
    if (!may_block()) return false;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    // A new session: the server forgot every prepared statement and session setting.
    prepared_.clear();
    pending_deallocate_.clear();
    broken_ = false;
    try {
        start_session();
    } catch (...) {
        return false;
    }
    return true;
}

bool PgConnection::recycle() noexcept {
    // A broken connection stays pooled; revive() reconnects it when next lent.
    if (broken_ || PQstatus(conn_) != CONNECTION_OK) return true;
    switch (PQtransactionStatus(conn_)) {
        case PQTRANS_IDLE:
            break;
        case PQTRANS_INTRANS:
        case PQTRANS_INERROR:
            PQclear(PQexec(conn_, "ROLLBACK"));
            if (PQtransactionStatus(conn_) != PQTRANS_IDLE) return false;
            break;
        default:
            return false;  // mid-query or unknown: nothing safe to hand to the next borrower
    }
    deallocate_pending();
    return true;
}

}  // namespace ambient::store::postgres
