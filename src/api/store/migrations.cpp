#include "api/store/migrations.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <variant>

namespace ambient::store {

namespace {

// Key of the session-level advisory lock that serialises migration runs across servers
// sharing one PostgreSQL database ("ambient" in ASCII, so it is recognisable in pg_locks).
constexpr std::int64_t kMigrationLockKey = 0x616d6269656e74;

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS migrations ("
    "id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

// Now as canonical RFC 3339 UTC text with microseconds, like every stored timestamp.
std::string now_rfc3339() {
    const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
    const auto micros = (now - seconds).count();
    const std::time_t t = std::chrono::system_clock::to_time_t(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    // Sized for any int values so the compiler can prove nothing is truncated.
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(micros));
    return buffer;
}

// Holds PostgreSQL's migration advisory lock for its lifetime; the lock is per session,
// so it must be released on the same connection before the lease goes back to the pool.
class AdvisoryLock {
public:
    explicit AdvisoryLock(Connection& conn) : conn_(conn) {
        conn_.exec("SELECT pg_advisory_lock(?)", {kMigrationLockKey});
    }
    AdvisoryLock(const AdvisoryLock&) = delete;
    AdvisoryLock& operator=(const AdvisoryLock&) = delete;
    ~AdvisoryLock() {
        try {
            conn_.exec("SELECT pg_advisory_unlock(?)", {kMigrationLockKey});
        } catch (...) {
            // The lock ends with the session anyway; a broken connection is reconnected
            // (a new session) before its next use.
        }
    }

private:
    Connection& conn_;
};

bool table_exists(Connection& conn) {
    const ResultSet rs = conn.dialect() == Dialect::Postgres
                             ? conn.exec(
                                   "SELECT count(*) FROM pg_catalog.pg_tables "
                                   "WHERE tablename = 'migrations' AND schemaname = current_schema()")
                             : conn.exec(
                                   "SELECT count(*) FROM sqlite_master "
                                   "WHERE type = 'table' AND name = 'migrations'");
    return !rs.rows.empty() && std::get<std::int64_t>(rs.rows[0][0]) > 0;
}

std::vector<int> recorded_ids(Connection& conn) {
    std::vector<int> ids;
    for (const auto& row : conn.exec("SELECT id FROM migrations ORDER BY id").rows) {
        ids.push_back(static_cast<int>(std::get<std::int64_t>(row[0])));
    }
    return ids;
}

bool is_recorded(Connection& conn, int id) {
    return !conn.exec("SELECT 1 FROM migrations WHERE id = ?", {std::int64_t{id}}).rows.empty();
}

[[noreturn]] void rethrow_for(const Migration& m, const StoreError& e) {
    const std::string message = "migration " + std::to_string(m.id) + " (" + m.name + ") failed: " + e.what();
    if (dynamic_cast<const Unavailable*>(&e) != nullptr) throw Unavailable(message);
    throw StoreError(message);
}

std::vector<int> apply_pending(ConnectionLease& lease, const std::vector<Migration>& ordered) {
    const bool postgres = lease->dialect() == Dialect::Postgres;
    {
        Transaction tx(lease, TxMode::Write);
        lease->exec(kCreateTable);
        tx.commit();
    }
    std::vector<int> applied;
    for (const Migration& m : ordered) {
        // Checked inside the write transaction: on SQLite this is what keeps two runs from
        // both applying a migration (on PostgreSQL the advisory lock already does).
        Transaction tx(lease, TxMode::Write);
        if (is_recorded(*lease, m.id)) continue;
        try {
            const std::string& script = postgres && !m.postgres_sql.empty() ? m.postgres_sql : m.sqlite_sql;
            lease->exec_script(script);
            lease->exec("INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)",
                        {std::int64_t{m.id}, m.name, now_rfc3339()});
            tx.commit();
        } catch (const StoreError& e) {
            rethrow_for(m, e);
        }
        applied.push_back(m.id);
    }
    return applied;
}

}  // namespace

std::vector<int> apply_migrations(Database& db, const std::vector<Migration>& migrations) {
    std::vector<Migration> ordered(migrations);
    std::sort(ordered.begin(), ordered.end(), [](const Migration& a, const Migration& b) { return a.id < b.id; });
    for (std::size_t i = 1; i < ordered.size(); ++i) {
        if (ordered[i].id == ordered[i - 1].id) {
            throw StoreError("duplicate migration id " + std::to_string(ordered[i].id));
        }
    }

    auto lease = db.acquire();
    if (lease->dialect() == Dialect::Postgres) {
        AdvisoryLock lock(*lease);
        return apply_pending(lease, ordered);
    }
    return apply_pending(lease, ordered);
}

std::vector<int> applied_migrations(Database& db) {
    auto lease = db.acquire();
    if (!table_exists(*lease)) return {};
    return recorded_ids(*lease);
}

}  // namespace ambient::store
