#include "api/store/sqlite/sqlite_errors.hpp"

#include <string>

#include "api/store/database.hpp"
#include "common/may_block.hpp"

namespace ambient::store::sqlite {

void throw_error(int rc, std::string_view message, std::string_view context) {
    std::string text = context.empty() ? std::string(message) : std::string(context) + ": " + std::string(message);
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
        default:
            throw StoreError(text);
    }
}

void throw_error(sqlite3* db, int rc, std::string_view context) {
    throw_error(rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc), context);
}

}  // namespace ambient::store::sqlite
