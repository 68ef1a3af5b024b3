#include "api/store/database.hpp"

namespace ambient::store {

std::unique_ptr<PendingQuery> Connection::send(std::string_view, const std::vector<SqlValue>&) {
    return nullptr;
}

}  // namespace ambient::store
