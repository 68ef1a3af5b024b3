#include "cli/commands.hpp"

namespace ambient::cli {

void register_audit(CLI::App&, Context&) {}

}  // namespace ambient::cli
