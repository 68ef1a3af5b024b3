#pragma once
// One SQLite connection of the pool, configured for concurrent use of one file: WAL, foreign
// keys on, PostgreSQL-like LIKE, and a busy timeout equal to the statement timeout.
#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>

#include "api/store/connection_pool.hpp"
#include "api/store/lru_map.hpp"

namespace ambient::store::sqlite {

class SqliteConnection final : public PooledConnection {
public:
    // Opens (creating when missing) the database file at `path`; throws StoreError.
    SqliteConnection(const std::string& path, std::chrono::milliseconds statement_timeout, Database* owner);
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;
    ~SqliteConnection() override;

    ResultSet exec(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
    void exec_script(std::string_view sql) override;
    Dialect dialect() const override { return Dialect::Sqlite; }
    Database* owner() const noexcept override { return owner_; }

    bool revive() noexcept override { return true; }
    bool recycle() noexcept override;

    static constexpr std::size_t kStatementCacheSize = 64;

private:
    struct StatementFinalizer {
        void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
    };
    using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

    // SQLite's busy handler: waits for another connection's lock as sqlite3_busy_timeout
    // would, for up to the statement timeout — except on a thread that must not block,
    // where the statement fails at once (and throws WouldBlock).
    static int on_busy(void* self, int count);

    sqlite3_stmt* prepare(std::string_view sql);
    ResultSet run(sqlite3_stmt* stmt, const std::vector<SqlValue>& params);

    sqlite3* db_ = nullptr;
    Database* owner_;
    std::chrono::milliseconds statement_timeout_;
    std::chrono::steady_clock::time_point deadline_{};
    LruMap<StatementPtr> statements_{kStatementCacheSize};
};

}  // namespace ambient::store::sqlite
