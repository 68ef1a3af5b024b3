#include "api/store/database.hpp"

namespace ambient::store {

std::size_t ResultSet::column(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i] == name) return i;
    }
    throw StoreError("result has no column '" + std::string(name) + "'");
}

}  // namespace ambient::store
