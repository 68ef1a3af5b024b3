#pragma once
// Maps SQLite result codes onto the storage error vocabulary.
#include <sqlite3.h>

#include <string_view>

namespace ambient::store::sqlite {

// Throws UniqueViolation, ForeignKeyViolation, Unavailable (busy, locked, interrupted by
// the statement timeout), StorageFull (SQLITE_FULL), StorageReadOnly (SQLITE_READONLY) or
// StoreError for the extended result code `rc`. `message` is SQLite's text for the
// failure; `context` prefixes it when not empty.
[[noreturn]] void throw_error(int rc, std::string_view message, std::string_view context = {});

// Same, taking the message from the connection's last error; an I/O error caused by
// ENOSPC/EDQUOT (or EROFS) also becomes StorageFull (StorageReadOnly).
[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view context = {});

}  // namespace ambient::store::sqlite
