#include "api/store/sqlite/sqlite_database.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <sqlite3.h>

#include "api/store/sqlite/sqlite_connection.hpp"
#include "common/may_block.hpp"

namespace ambient::store {

namespace sqlite {

SqliteDatabase::SqliteDatabase(std::string path, const DatabaseOptions& options)
    : path_(std::move(path)), options_(options), pool_(options.pool_size, options.acquire_timeout, [this] {
          return std::make_unique<SqliteConnection>(path_, options_.statement_timeout, this);
      }) {
    if (options_.sqlite_memory_limit > 0) sqlite3_soft_heap_limit64(options_.sqlite_memory_limit);
    pool_.adopt(std::make_unique<SqliteConnection>(path_, options_.statement_timeout, this));
}

ConnectionLease SqliteDatabase::acquire() {
    return ConnectionLease(*this, pool_.take());
}

void SqliteDatabase::release(std::unique_ptr<Connection> conn) {
    pool_.give_back(std::move(conn));
}

void SqliteDatabase::lock_writer() {
    ensure_may_block();  // the writer may be busy
    std::unique_lock lock(writer_mutex_);
    if (!writer_free_.wait_for(lock, options_.statement_timeout, [this] { return !writer_busy_; })) {
        throw Unavailable("timed out waiting for the SQLite writer lock");
    }
    writer_busy_ = true;
}

void SqliteDatabase::unlock_writer() {
    {
        std::lock_guard lock(writer_mutex_);
        writer_busy_ = false;
    }
    writer_free_.notify_one();
}

PoolStats SqliteDatabase::pool_stats() const {
    auto stats = pool_.stats();
    stats.library_memory = sqlite3_memory_used();  // process-wide: one database per server
    return stats;
}

void SqliteDatabase::ping() {
    auto lease = acquire();
    try {
        lease->exec("SELECT 1");
    } catch (const Unavailable&) {
        throw;
    } catch (const StoreError& e) {
        throw Unavailable(std::string("SQLite ping failed: ") + e.what());
    }
}

}  // namespace sqlite

namespace {

// Creates the data directory and any missing parents; the directory itself is private to
// the server's user because it holds the whole database.
void make_data_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) return;
    if (dir.has_parent_path() && dir.parent_path() != dir) {
        std::filesystem::create_directories(dir.parent_path(), ec);
        if (ec) throw StoreError("cannot create " + dir.parent_path().string() + ": " + ec.message());
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        throw StoreError("cannot create data directory " + dir.string() + ": " + std::strerror(errno));
    }
}

// Files of an installation made before the server set its umask may be readable by others;
// they hold every credential's sealed token and every session's conversation. SQLite gives a
// new -wal or -shm file the mode of the database file, so the database is the one that matters.
void make_private(const std::filesystem::path& db) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        const auto path = db.string() + suffix;
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) continue;
        if (::chmod(path.c_str(), st.st_mode & 0700) != 0) {
            throw StoreError("cannot make " + path + " private: " + std::strerror(errno));
        }
    }
}

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& data_dir, const DatabaseOptions& options) {
    const std::filesystem::path dir(data_dir.empty() ? "." : data_dir);
    make_data_dir(dir);
    const auto db = dir / "ambient.db";
    make_private(db);
    return std::make_unique<sqlite::SqliteDatabase>(db.string(), options);
}

}  // namespace ambient::store
