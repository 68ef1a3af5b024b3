#include "cli/commands.hpp"

namespace ambient::cli {

void register_get(CLI::App&, Context&) {}

}  // namespace ambient::cli
