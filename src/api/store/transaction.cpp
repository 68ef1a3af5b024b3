#include "api/store/database.hpp"

namespace ambient::store {

namespace {

const char* begin_statement(Dialect dialect, TxMode mode) {
    if (dialect == Dialect::Sqlite) {
        // IMMEDIATE takes SQLite's write lock at BEGIN, so a writer never discovers halfway
        // through that another connection holds it (which SQLite reports as BUSY without
        // waiting, since retrying could deadlock).
        return mode == TxMode::Write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED";
    }
    return mode == TxMode::Write ? "BEGIN" : "BEGIN READ ONLY";
}

}  // namespace

Transaction::Transaction(ConnectionLease& lease, TxMode mode) : Transaction(*lease, &lease.database(), mode) {}

Transaction::Transaction(Connection& conn, TxMode mode) : Transaction(conn, conn.owner(), mode) {}

Transaction::Transaction(Connection& conn, Database* db, TxMode mode) : conn_(conn), db_(db), mode_(mode) {
    if (mode_ == TxMode::Write && db_ != nullptr) {
        db_->lock_writer();
        writer_locked_ = true;
    }
    try {
        conn_.exec(begin_statement(conn_.dialect(), mode_));
    } catch (...) {
        unlock_writer();
        throw;
    }
}

Transaction::~Transaction() {
    if (!done_) {
        try {
            conn_.exec("ROLLBACK");
        } catch (...) {
            // Nothing useful to do: the connection's recycle check rolls back or drops it
            // when the lease returns.
        }
    }
    unlock_writer();
}

void Transaction::commit() {
    conn_.exec("COMMIT");
    done_ = true;
    // Release the writer lock now rather than at scope end, so other writers proceed while
    // the caller finishes up.
    unlock_writer();
}

void Transaction::unlock_writer() noexcept {
    if (writer_locked_) {
        writer_locked_ = false;
        db_->unlock_writer();
    }
}

}  // namespace ambient::store
