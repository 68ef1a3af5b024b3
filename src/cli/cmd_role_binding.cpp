#include "cli/commands.hpp"

namespace ambient::cli {

void register_role_binding(CLI::App&, Context&) {}

}  // namespace ambient::cli
