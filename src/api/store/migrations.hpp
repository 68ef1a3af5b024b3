#pragma once
// Numbered schema migrations for both dialects, applied in ascending order and recorded in
// the `migrations` table (id, name, applied_at). Applying is idempotent and safe when two
// processes start together (PostgreSQL: advisory lock; SQLite: write transaction).
#include <string>
#include <vector>

#include "api/store/database.hpp"

namespace ambient::store {

struct Migration {
    int id;                    // ascending, never reused
    std::string name;          // short description
    std::string sqlite_sql;    // script for SQLite
    std::string postgres_sql;  // script for PostgreSQL; empty = same as sqlite_sql
};

// Applies the migrations not yet recorded, each in its own transaction together with its
// `migrations` row. Returns the ids applied now.
std::vector<int> apply_migrations(Database& db, const std::vector<Migration>& migrations);

// The ids recorded as applied, ascending.
std::vector<int> applied_migrations(Database& db);

}  // namespace ambient::store
