#include "cli/commands.hpp"

namespace ambient::cli {

void register_credential(CLI::App&, Context&) {}

}  // namespace ambient::cli
