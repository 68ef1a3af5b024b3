#include "cli/commands.hpp"

namespace ambient::cli {

void register_identity(CLI::App&, Context&) {}

}  // namespace ambient::cli
