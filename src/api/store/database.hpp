#pragma once
// The storage interface: a pool of connections to SQLite or PostgreSQL that run
// parameterised SQL. Both drivers map their errors onto one vocabulary (below) and their
// cells onto SqlValue, so the code above them is dialect-free except where it asks.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/store/value.hpp"

namespace ambient::store {

enum class Dialect { Sqlite, Postgres };

class Database;

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

// The write could not be stored because the database's disk is full (SQLite SQLITE_FULL or
// an I/O error from ENOSPC; PostgreSQL 53100). Nothing of the transaction was kept and the
// connection stays usable. Callers answer 507.
class StorageFull : public StoreError {
public:
    using StoreError::StoreError;
};
// The write could not be stored because the database or its filesystem is read-only
// (SQLite SQLITE_READONLY or EROFS; PostgreSQL 25006 on a standby). Callers answer 503.
class StorageReadOnly : public StoreError {
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

// A statement sent without waiting for its answer, for code that must not block (an I/O
// thread's coroutine), which waits for socket() to be readable between calls to advance().
// The connection stays busy until the result is taken; destroying the query before then
// leaves the connection mid-statement, and the pool closes it when it comes back.
class PendingQuery {
public:
    virtual ~PendingQuery() = default;
    // The descriptor to watch for readability. Owned by the connection: never close it.
    virtual int socket() const = 0;
    // Reads what has arrived without blocking: the result once it is whole, nullopt while more
    // is due. Throws the store's errors, as exec() does (Unavailable when the connection was
    // lost), or WouldBlock when the statement has to run again where blocking is allowed.
    virtual std::optional<ResultSet> advance() = 0;
};

class Connection {
public:
    virtual ~Connection() = default;
    // Runs one statement with `?` placeholders bound to `params` in order. Cells are
    // converted by the column's declared type: BOOLEAN → bool, integer types → int64,
    // REAL/DOUBLE → double, TIMESTAMP(TZ) → RFC 3339 UTC text with microseconds, NULL →
    // monostate, everything else → string.
    virtual ResultSet exec(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
    // Sends one statement as exec() would run it, without waiting: nullptr when this driver
    // has no such mode (SQLite, which answers in-process: call exec()).
    virtual std::unique_ptr<PendingQuery> send(std::string_view sql, const std::vector<SqlValue>& params);
    // Runs a script of statements without parameters (migrations).
    virtual void exec_script(std::string_view sql) = 0;
    virtual Dialect dialect() const = 0;
    // The pool this connection came from, so a Transaction built from a bare Connection can
    // still take that pool's writer lock. nullptr for a connection outside any pool.
    virtual Database* owner() const noexcept { return nullptr; }
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
    Database& database() const { return *db_; }

private:
    Database* db_;
    std::unique_ptr<Connection> conn_;
};

enum class TxMode { Read, Write };

// RAII transaction: BEGIN on construction (SQLite: IMMEDIATE for writes, serialised by
// an in-process writer lock; PostgreSQL: BEGIN, or BEGIN READ ONLY for reads), ROLLBACK in
// the destructor unless commit() was called. The destructor never throws. The writer lock
// is held from construction until commit() succeeds or the destructor has rolled back.
// Both constructors are equivalent: the Connection& one finds the pool through
// Connection::owner(). A Write transaction must not be nested inside another Write
// transaction on the same thread (the writer lock is not recursive: the inner one would
// wait out the statement timeout and throw Unavailable).
class Transaction {
public:
    Transaction(ConnectionLease& lease, TxMode mode);
    Transaction(Connection& conn, TxMode mode);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    // COMMIT. On failure the transaction stays open and the destructor rolls it back.
    void commit();
    Connection& conn() { return conn_; }

private:
    Transaction(Connection& conn, Database* db, TxMode mode);
    void unlock_writer() noexcept;

    Connection& conn_;
    Database* db_;  // nullptr when the connection has no pool (no writer lock to take)
    TxMode mode_;
    bool done_ = false;
    bool writer_locked_ = false;
};

struct PoolStats {
    std::size_t size = 0;        // connections the pool may open
    std::size_t open = 0;        // connections currently open
    std::size_t in_use = 0;      // connections currently lent out
    std::uint64_t waits = 0;     // acquisitions that had to wait
    std::uint64_t timeouts = 0;  // acquisitions that gave up (Unavailable)
    // Bytes the database library itself holds in this process (SQLite's page caches,
    // prepared statements, schemas); -1 where it lives elsewhere (PostgreSQL's server).
    std::int64_t library_memory = -1;
};

// A place in the pool's queue, for code that must not block (a request answered on an I/O
// thread), which waits for fd() to be readable between calls to poll().
class LeaseWaiter {
public:
    virtual ~LeaseWaiter() = default;
    virtual int fd() const = 0;
    // The lease once a connection is handed over; nullopt to wait for fd() again. Throws
    // Unavailable past the acquire timeout, WouldBlock when a connection must be opened.
    virtual std::optional<ConnectionLease> poll() = 0;
};

// A pool of connections to one database. Every lease must be returned before the
// Database is destroyed.
class Database {
public:
    virtual ~Database() = default;
    virtual Dialect dialect() const = 0;
    // Borrows a connection, waiting up to the pool's acquire timeout; throws Unavailable.
    virtual ConnectionLease acquire() = 0;
    // Where blocking is not allowed: a connection at once, or a place in the queue to wait
    // on; throws WouldBlock when neither can be had without blocking. By default: acquire().
    virtual std::variant<ConnectionLease, std::unique_ptr<LeaseWaiter>> acquire_or_queue() { return acquire(); }
    virtual PoolStats pool_stats() const = 0;
    // Cheap liveness check for /healthcheck; throws Unavailable.
    virtual void ping() = 0;

protected:
    friend class ConnectionLease;
    friend class Transaction;
    virtual void release(std::unique_ptr<Connection> conn) = 0;
    // SQLite serialises writers in-process; PostgreSQL does nothing here. lock_writer()
    // throws Unavailable when the lock is not free within the statement timeout.
    virtual void lock_writer() {}
    virtual void unlock_writer() {}
};

struct DatabaseOptions {
    std::size_t pool_size = 8;
    std::chrono::milliseconds acquire_timeout{5000};
    // The longest one statement may run (PostgreSQL's statement_timeout; SQLite's busy wait).
    std::chrono::milliseconds statement_timeout{30000};
    // PostgreSQL: the longest a new connection may take (libpq's connect_timeout, whole
    // seconds, at least 2), so that a database that is down or unreachable answers
    // Unavailable within it rather than holding a request.
    std::chrono::milliseconds connect_timeout{5000};
    // SQLite: the most memory SQLite may keep in this process, all connections together
    // (sqlite3_soft_heap_limit64, process-wide); 0 leaves it unbounded. Each connection
    // caches up to 2 MiB of pages, and a write elsewhere empties that cache (WAL): without a
    // bound a pool of 16 swings between a few MiB and 30, and the allocator keeps the peaks.
    std::int64_t sqlite_memory_limit = 0;
};

// "postgresql://…" or "postgres://…" opens PostgreSQL (libpq); anything else is a
// directory that holds the SQLite file `ambient.db` (created with its parents).
// Both open one connection at once: a bad location fails here (SQLite: StoreError;
// PostgreSQL: Unavailable, with any password removed from the message).
std::unique_ptr<Database> open_sqlite(const std::string& data_dir, const DatabaseOptions& options = {});
std::unique_ptr<Database> open_postgres(const std::string& url, const DatabaseOptions& options = {});
// Chooses between the two by the rule above.
std::unique_ptr<Database> open_database(const std::string& location, const DatabaseOptions& options = {});

}  // namespace ambient::store
