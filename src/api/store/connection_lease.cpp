#include "api/store/database.hpp"

namespace ambient::store {

ConnectionLease::~ConnectionLease() {
    // A moved-from lease holds nothing to return.
    if (conn_) db_->release(std::move(conn_));
}

}  // namespace ambient::store
