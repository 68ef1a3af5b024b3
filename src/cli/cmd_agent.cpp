#include "cli/commands.hpp"

namespace ambient::cli {

void register_agent(CLI::App&, Context&) {}

}  // namespace ambient::cli
