#include "api/store/sqlite/sqlite_errors.hpp"

#include <cerrno>
#include <string>

#include "api/store/database.hpp"
#include "common/may_block.hpp"

namespace ambient::store::sqlite {

namespace {

[[noreturn]] void throw_mapped(int rc, int system_errno, std::string text) {
    switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
        case SQLITE_CONSTRAINT_ROWID:
            throw UniqueViolation(text);
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            throw ForeignKeyViolation(text);
        default:
            break;
    }
    // Busy where waiting was not allowed (SqliteConnection::on_busy): not a failure, the
    // request is run again where it may wait.
    if ((rc & 0xff) == SQLITE_BUSY && !may_block()) throw WouldBlock();
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_INTERRUPT:  // only our statement-timeout progress handler interrupts
            throw Unavailable(text);
        case SQLITE_FULL:
            throw StorageFull(text);
        case SQLITE_READONLY:
            throw StorageReadOnly(text);
        case SQLITE_IOERR:
            // The unix VFS reports ENOSPC as SQLITE_FULL only for plain writes; fsync,
            // truncate and the WAL index report the errno behind an I/O error instead.
            if (system_errno == ENOSPC || system_errno == EDQUOT) throw StorageFull(text);
            if (system_errno == EROFS) throw StorageReadOnly(text);
            throw StoreError(text);
        default:
            throw StoreError(text);
    }
}

}  // namespace

void throw_error(int rc, std::string_view message, std::string_view context) {
    throw_mapped(rc, 0, context.empty() ? std::string(message) : std::string(context) + ": " + std::string(message));
}

void throw_error(sqlite3* db, int rc, std::string_view context) {
    const std::string_view message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw_mapped(rc, db != nullptr ? sqlite3_system_errno(db) : 0,
                 context.empty() ? std::string(message) : std::string(context) + ": " + std::string(message));
}

}  // namespace ambient::store::sqlite
