#pragma once
#include <vector>

#include "api/store/migrations.hpp"

namespace ambient::api {

// Every schema change of the API server, oldest first. Append only: never edit or
// renumber one that has shipped (upstream edited an applied migration and older databases
// silently missed a role).
const std::vector<store::Migration>& schema_migrations();

}  // namespace ambient::api
