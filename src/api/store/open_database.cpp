#include <string_view>

#include "api/store/database.hpp"

namespace ambient::store {

std::unique_ptr<Database> open_database(const std::string& location, const DatabaseOptions& options) {
    const std::string_view where(location);
    if (where.starts_with("postgresql://") || where.starts_with("postgres://")) {
        return open_postgres(location, options);
    }
    return open_sqlite(location, options);
}

}  // namespace ambient::store
