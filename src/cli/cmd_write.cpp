#include "cli/commands.hpp"

namespace ambient::cli {

void register_write(CLI::App&, Context&) {}

}  // namespace ambient::cli
