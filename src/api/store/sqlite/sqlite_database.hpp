#pragma once
// The SQLite Database: a pool of connections to one file, with writers serialised by an
// in-process lock so BEGIN IMMEDIATE never waits on another connection of this process.
#include <condition_variable>
#include <mutex>
#include <string>

#include "api/store/connection_pool.hpp"
#include "api/store/database.hpp"

namespace ambient::store::sqlite {

class SqliteDatabase final : public Database {
public:
    // Opens one connection at once so a bad path is reported here rather than on first use.
    SqliteDatabase(std::string path, const DatabaseOptions& options);

    Dialect dialect() const override { return Dialect::Sqlite; }
    ConnectionLease acquire() override;
    PoolStats pool_stats() const override;
    void ping() override;

    const std::string& path() const { return path_; }

protected:
    void release(std::unique_ptr<Connection> conn) override;
    void lock_writer() override;
    void unlock_writer() override;

private:
    const std::string path_;
    const DatabaseOptions options_;
    // A flag under a mutex rather than a timed_mutex: waiting is bounded so a writer stuck
    // elsewhere turns into Unavailable rather than a hang, and ThreadSanitizer understands
    // condition variables (it misreads timed_mutex::try_lock_for).
    std::mutex writer_mutex_;
    std::condition_variable writer_free_;
    bool writer_busy_ = false;
    ConnectionPool pool_;  // last: its connections close before the rest goes away
};

}  // namespace ambient::store::sqlite
