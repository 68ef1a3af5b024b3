#pragma once
// One statement on a PgConnection through libpq's asynchronous API: sent at construction
// (preparing it first when this connection has not yet), then read as the socket becomes
// readable, so a coroutine on an I/O thread can wait for it without blocking the thread.
// A statement whose prepared plan the server no longer has throws WouldBlock, for the caller
// to run it again where exec() may prepare it afresh: so send() only what could run twice.
// The connection stays in blocking mode: sending a statement of a few hundred bytes only
// fills the socket's buffer, and the waits that matter (for the answer) are the caller's.
#include <optional>
#include <string>
#include <vector>

#include "api/store/database.hpp"
#include "api/store/postgres/pg_result.hpp"
#include "api/store/postgres/pg_values.hpp"

namespace ambient::store::postgres {

class PgConnection;

class PgPendingQuery final : public PendingQuery {
public:
    // Sends the statement (or its PREPARE); throws the store's errors when sending fails.
    PgPendingQuery(PgConnection& conn, std::string sql, const std::vector<SqlValue>& params);

    int socket() const override;
    std::optional<ResultSet> advance() override;

private:
    enum class Step { Preparing, Executing, Done };

    void send_execute();
    // Called once libpq has handed over the current step's last result.
    std::optional<ResultSet> finish_step();
    [[noreturn]] void lost_connection();

    PgConnection& conn_;
    const std::string sql_;  // the key of the connection's statement cache
    const ParamTexts params_;
    Step step_ = Step::Executing;
    std::string statement_;  // the prepared statement's name
    std::size_t placeholders_ = 0;
    ResultPtr result_;  // the current step's result, held until libpq says it is the last
};

}  // namespace ambient::store::postgres
