#include "api/store/sqlite/sqlite_connection.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>

#include "api/store/sqlite/sqlite_errors.hpp"
#include "common/may_block.hpp"

namespace ambient::store::sqlite {

namespace {

// How often (in virtual machine instructions) SQLite calls back to check the deadline:
// frequent enough to stop within milliseconds, rare enough to cost nothing measurable.
constexpr int kProgressInterval = 1000;

// How a column's cells are read, from its declared type. SQLite stores booleans as
// integers and timestamps as text, so the declaration is the only place the intent lives.
enum class CellKind { ByStorage, Bool, Timestamp, Integer, Real };

CellKind kind_of(const char* decltype_text) {
    if (decltype_text == nullptr) return CellKind::ByStorage;  // an expression, not a column
    std::string upper(decltype_text);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    auto has = [&](const char* part) { return upper.find(part) != std::string::npos; };
    if (has("BOOL")) return CellKind::Bool;
    if (has("TIMESTAMP")) return CellKind::Timestamp;
    if (has("INT")) return CellKind::Integer;
    if (has("REAL") || has("DOUB") || has("FLOA")) return CellKind::Real;
    return CellKind::ByStorage;
}

std::string column_text(sqlite3_stmt* stmt, int i) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
    return std::string(text != nullptr ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
}

bool text_is_true(const std::string& text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower == "1" || lower == "t" || lower == "true";
}

SqlValue read_cell(sqlite3_stmt* stmt, int i, CellKind kind) {
    const int storage = sqlite3_column_type(stmt, i);
    if (storage == SQLITE_NULL) return std::monostate{};
    switch (kind) {
        case CellKind::Bool:
            if (storage == SQLITE_TEXT) return text_is_true(column_text(stmt, i));
            return sqlite3_column_int64(stmt, i) != 0;
        case CellKind::Timestamp:
            return column_text(stmt, i);
        case CellKind::Integer:
            return static_cast<std::int64_t>(sqlite3_column_int64(stmt, i));
        case CellKind::Real:
            return sqlite3_column_double(stmt, i);
        case CellKind::ByStorage:
            break;
    }
    switch (storage) {
        case SQLITE_INTEGER:
            return static_cast<std::int64_t>(sqlite3_column_int64(stmt, i));
        case SQLITE_FLOAT:
            return sqlite3_column_double(stmt, i);
        case SQLITE_BLOB: {
            const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, i));
            return std::string(bytes != nullptr ? bytes : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
        }
        default:
            return column_text(stmt, i);
    }
}

int bind_value(sqlite3_stmt* stmt, int index, const SqlValue& value) {
    return std::visit(
        [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return sqlite3_bind_null(stmt, index);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                return sqlite3_bind_int64(stmt, index, v);
            } else if constexpr (std::is_same_v<T, double>) {
                return sqlite3_bind_double(stmt, index, v);
            } else if constexpr (std::is_same_v<T, bool>) {
                return sqlite3_bind_int(stmt, index, v ? 1 : 0);
            } else {
                return sqlite3_bind_text64(stmt, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
            }
        },
        value);
}

bool only_space_or_semicolons(const char* begin, const char* end) {
    return std::all_of(begin, end, [](char c) { return c == ';' || std::isspace(static_cast<unsigned char>(c)) != 0; });
}

// Leaves a statement ready for its next use whatever happens while it runs, and clears
// the deadline so scripts run without one.
class StatementReset {
public:
    StatementReset(sqlite3_stmt* stmt, std::chrono::steady_clock::time_point& deadline)
        : stmt_(stmt), deadline_(deadline) {}
    StatementReset(const StatementReset&) = delete;
    StatementReset& operator=(const StatementReset&) = delete;
    ~StatementReset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        deadline_ = {};
    }

private:
    sqlite3_stmt* stmt_;
    std::chrono::steady_clock::time_point& deadline_;
};

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path, std::chrono::milliseconds statement_timeout,
                                   Database* owner)
    : owner_(owner), statement_timeout_(statement_timeout) {
    // NOMUTEX: a pooled connection is used by one thread at a time, so SQLite's own
    // per-connection mutex would be pure overhead.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw StoreError("cannot open SQLite database " + path + ": " + message);
    }
    sqlite3_extended_result_codes(db_, 1);
    // The busy handler comes first so switching to WAL waits for a concurrent opener.
    sqlite3_busy_handler(db_, &SqliteConnection::on_busy, this);
    sqlite3_progress_handler(
        db_, kProgressInterval,
        [](void* self) -> int {
            const auto& deadline = static_cast<SqliteConnection*>(self)->deadline_;
            return deadline != std::chrono::steady_clock::time_point{} && std::chrono::steady_clock::now() > deadline
                       ? 1
                       : 0;
        },
        this);
    try {
        // WAL lets readers run beside the single writer; NORMAL sync is durable across
        // application crashes under WAL; LIKE is made case-sensitive as on PostgreSQL.
        exec_script(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA case_sensitive_like=ON;");
    } catch (...) {
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

SqliteConnection::~SqliteConnection() {
    statements_.clear();  // statements must be finalized before their connection closes
    sqlite3_close_v2(db_);
}

sqlite3_stmt* SqliteConnection::prepare(std::string_view sql) {
    std::string key(sql);
    if (StatementPtr* cached = statements_.find(key)) return cached->get();

    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, &tail);
    StatementPtr stmt(raw);
    if (rc != SQLITE_OK) throw_error(db_, rc);
    if (!stmt) throw StoreError("empty SQL statement");
    if (tail != nullptr && !only_space_or_semicolons(tail, sql.data() + sql.size())) {
        throw StoreError("exec runs one statement; use exec_script for several");
    }
    sqlite3_stmt* result = stmt.get();
    statements_.insert(std::move(key), std::move(stmt));
    return result;
}

int SqliteConnection::on_busy(void* self, int count) {
    if (!may_block()) return 0;
    // The waits of SQLite's own busy timeout: short at first, since most locks are brief.
    static constexpr std::array<int, 12> kDelaysMs = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
    const auto& conn = *static_cast<const SqliteConnection*>(self);
    const auto step = static_cast<std::size_t>(count);
    const int delay = step < kDelaysMs.size() ? kDelaysMs[step] : kDelaysMs.back();
    std::int64_t waited = 0;
    for (std::size_t i = 0; i < step; ++i)
        waited += i < kDelaysMs.size() ? kDelaysMs[i] : kDelaysMs.back();
    const auto left = conn.statement_timeout_.count() - waited;
    if (left <= 0) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(delay, left)));
    return 1;
}

ResultSet SqliteConnection::exec(std::string_view sql, const std::vector<SqlValue>& params) {
    return run(prepare(sql), params);
}

ResultSet SqliteConnection::run(sqlite3_stmt* stmt, const std::vector<SqlValue>& params) {
    StatementReset reset(stmt, deadline_);

    const int expected = sqlite3_bind_parameter_count(stmt);
    if (static_cast<std::size_t>(expected) != params.size()) {
        throw StoreError("statement has " + std::to_string(expected) + " placeholders but " +
                         std::to_string(params.size()) + " parameters were given");
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
        int rc = bind_value(stmt, static_cast<int>(i) + 1, params[i]);
        if (rc != SQLITE_OK) throw_error(db_, rc, "binding parameter " + std::to_string(i + 1));
    }

    ResultSet result;
    int columns = 0;
    std::vector<CellKind> kinds;
    deadline_ = std::chrono::steady_clock::now() + statement_timeout_;
    for (bool first = true;; first = false) {
        int rc = sqlite3_step(stmt);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw_error(db_, rc);
        if (first) {
            // Read the shape only after the first step: when the schema changed since the
            // statement was cached, step re-prepares it and `SELECT *` may gain columns.
            columns = sqlite3_column_count(stmt);
            kinds.reserve(static_cast<std::size_t>(columns));
            result.columns.reserve(static_cast<std::size_t>(columns));
            for (int i = 0; i < columns; ++i) {
                result.columns.emplace_back(sqlite3_column_name(stmt, i));
                kinds.push_back(kind_of(sqlite3_column_decltype(stmt, i)));
            }
        }
        if (rc == SQLITE_DONE) break;
        std::vector<SqlValue> row;
        row.reserve(static_cast<std::size_t>(columns));
        for (int i = 0; i < columns; ++i) {
            row.push_back(read_cell(stmt, i, kinds[static_cast<std::size_t>(i)]));
        }
        result.rows.push_back(std::move(row));
    }
    // sqlite3_changes keeps the count of the last write, so only writes may report it.
    if (sqlite3_stmt_readonly(stmt) == 0) result.affected_rows = sqlite3_changes64(db_);
    return result;
}

void SqliteConnection::exec_script(std::string_view sql) {
    std::string script(sql);  // sqlite3_exec wants a terminated string
    char* error = nullptr;
    int rc = sqlite3_exec(db_, script.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error != nullptr ? error : sqlite3_errmsg(db_);
        sqlite3_free(error);
        throw_error(sqlite3_extended_errcode(db_), message);
    }
}

bool SqliteConnection::recycle() noexcept {
    if (sqlite3_get_autocommit(db_) != 0) return true;
    // A borrower left a transaction open: roll it back so it does not hold SQLite's locks
    // while the connection sits idle.
    return sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK && sqlite3_get_autocommit(db_) != 0;
}

}  // namespace ambient::store::sqlite
