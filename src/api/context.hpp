#pragma once
// What every handler may use: the parts built by main() and shared for the process's life.
#include "api/store/database.hpp"

namespace ambient::api {

struct ApiContext {
    store::Database& db;
};

}  // namespace ambient::api
