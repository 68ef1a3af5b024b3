#pragma once
// One libpq connection of the pool: a UTC session with the statement timeout set, and the
// statements it has run kept prepared (by SQL text) so repeats skip parsing and planning.
#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "api/store/connection_pool.hpp"
#include "api/store/lru_map.hpp"

namespace ambient::store::postgres {

class PgConnection final : public PooledConnection {
public:
    // Connects to `url`; throws Unavailable with a message free of the password.
    PgConnection(std::string url, const DatabaseOptions& options, Database* owner);
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;
    ~PgConnection() override;

    // Where blocking is not allowed (common/may_block.hpp) exec() and exec_script() throw
    // WouldBlock: every statement is a round trip. send() does not wait (PgPendingQuery).
    ResultSet exec(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
    std::unique_ptr<PendingQuery> send(std::string_view sql, const std::vector<SqlValue>& params) override;
    void exec_script(std::string_view sql) override;
    Dialect dialect() const override { return Dialect::Postgres; }
    Database* owner() const noexcept override { return owner_; }

    bool revive() noexcept override;
    bool recycle() noexcept override;

    static constexpr std::size_t kStatementCacheSize = 64;

private:
    friend class PgPendingQuery;

    struct Prepared {
        std::string name;
        std::size_t placeholders = 0;
    };

    void connect();
    void start_session();
    const Prepared& prepare(const std::string& sql);
    // A new statement name for `sql`, not yet prepared on the server.
    Prepared next_statement(const std::string& sql);
    // Records `entry` as prepared on the server for `sql`, evicting the least recently used.
    const Prepared& remember(const std::string& sql, Prepared entry);
    void forget(const std::string& sql) noexcept;
    void deallocate(const std::string& name) noexcept;
    void deallocate_pending() noexcept;
    // Throws the mapped error for `result` (which it frees), marking the connection broken
    // when the failure concerns the connection rather than the statement.
    [[noreturn]] void fail(PGresult* result);

    const std::string url_;
    const DatabaseOptions options_;
    Database* owner_;
    PGconn* conn_ = nullptr;
    bool broken_ = false;
    std::uint64_t next_statement_ = 0;
    LruMap<Prepared> prepared_{kStatementCacheSize};
    // Statements evicted while a failed transaction refused DEALLOCATE; freed once idle.
    std::vector<std::string> pending_deallocate_;
};

}  // namespace ambient::store::postgres
