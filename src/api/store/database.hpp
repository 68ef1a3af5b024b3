#pragma once
// The storage interface: a pool of connections to SQLite or PostgreSQL that run
// parameterised SQL. Both drivers map their errors onto one vocabulary (below) and their
// cells onto SqlValue, so the code above them is dialect-free except where it asks.
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api/store/value.hpp"

namespace ambient::store {

enum class Dialect { Sqlite, Postgres };

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};
// A unique index or primary key refused the write.
class UniqueViolation : public StoreError {
public:
    using StoreError::StoreError;
};
// A foreign key refused the write.
class ForeignKeyViolation : public StoreError {
public:
    using StoreError::StoreError;
};
// The database could not be reached, the pool was exhausted past its wait limit, or a
// lock/busy timeout expired. Callers answer 503.
class Unavailable : public StoreError {
public:
    using StoreError::StoreError;
};

struct ResultSet {
    std::vector<std::string> columns;
    std::vector<std::vector<SqlValue>> rows;
    std::int64_t affected_rows = 0;  // for INSERT/UPDATE/DELETE

    // Index of a column by name; throws StoreError when absent.
    std::size_t column(std::string_view name) const;
};

class Connection {
public:
    virtual ~Connection() = default;
    // Runs one statement with `?` placeholders bound to `params` in order. Cells are
    // converted by the column's declared type: BOOLEAN → bool, integer types → int64,
    // REAL/DOUBLE → double, TIMESTAMP(TZ) → RFC 3339 UTC text with microseconds, NULL →
    // monostate, everything else → string.
    virtual ResultSet exec(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
    // Runs a script of statements without parameters (migrations).
    virtual void exec_script(std::string_view sql) = 0;
    virtual Dialect dialect() const = 0;
};

class Database;

// A connection borrowed from the pool, returned when destroyed.
class ConnectionLease {
public:
    ConnectionLease(Database& db, std::unique_ptr<Connection> conn) : db_(&db), conn_(std::move(conn)) {}
    ConnectionLease(ConnectionLease&&) noexcept = default;
    ConnectionLease& operator=(ConnectionLease&&) = delete;
    ~ConnectionLease();
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

private:
    Database* db_;
    std::unique_ptr<Connection> conn_;
};

enum class TxMode { Read, Write };

// RAII transaction: BEGIN on construction (SQLite: IMMEDIATE for writes, serialised by
// an in-process writer lock), ROLLBACK in the destructor unless commit() was called.
// The destructor never throws.
class Transaction {
public:
    Transaction(Connection& conn, TxMode mode);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();
    Connection& conn() { return conn_; }

private:
    Connection& conn_;
    TxMode mode_;
    bool done_ = false;
};

struct PoolStats {
    std::size_t size = 0;          // connections the pool may open
    std::size_t open = 0;          // connections currently open
    std::size_t in_use = 0;        // connections currently lent out
    std::uint64_t waits = 0;       // acquisitions that had to wait
    std::uint64_t timeouts = 0;    // acquisitions that gave up (Unavailable)
};

class Database {
public:
    virtual ~Database() = default;
    virtual Dialect dialect() const = 0;
    // Borrows a connection, waiting up to the pool's acquire timeout; throws Unavailable.
    virtual ConnectionLease acquire() = 0;
    virtual PoolStats pool_stats() const = 0;
    // Cheap liveness check for /healthcheck; throws Unavailable.
    virtual void ping() = 0;

protected:
    friend class ConnectionLease;
    friend class Transaction;
    virtual void release(std::unique_ptr<Connection> conn) = 0;
    // SQLite serialises writers in-process; PostgreSQL does nothing here.
    virtual void lock_writer() {}
    virtual void unlock_writer() {}
};

struct DatabaseOptions {
    std::size_t pool_size = 8;
    std::chrono::milliseconds acquire_timeout{5000};
    std::chrono::milliseconds statement_timeout{30000};
};

// "postgresql://…" or "postgres://…" opens PostgreSQL (libpq); anything else is a
// directory that holds the SQLite file `ambient.db` (created with its parents).
std::unique_ptr<Database> open_sqlite(const std::string& data_dir, const DatabaseOptions& options = {});
std::unique_ptr<Database> open_postgres(const std::string& url, const DatabaseOptions& options = {});

}  // namespace ambient::store
