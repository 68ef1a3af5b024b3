#pragma once
// The PostgreSQL Database: a pool of libpq connections to one server URL.
#include <string>

#include "api/store/connection_pool.hpp"
#include "api/store/database.hpp"

namespace ambient::store::postgres {

class PgDatabase final : public Database {
public:
    // Connects once at once so a wrong URL or a server that is down is reported here.
    PgDatabase(std::string url, const DatabaseOptions& options);

    Dialect dialect() const override { return Dialect::Postgres; }
    ConnectionLease acquire() override;
    std::variant<ConnectionLease, std::unique_ptr<LeaseWaiter>> acquire_or_queue() override;
    PoolStats pool_stats() const override { return pool_.stats(); }
    void ping() override;

protected:
    void release(std::unique_ptr<Connection> conn) override;

private:
    const std::string url_;
    const DatabaseOptions options_;
    ConnectionPool pool_;  // last: its connections close before the rest goes away
};

}  // namespace ambient::store::postgres
