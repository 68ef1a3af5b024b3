#include "cli/commands.hpp"

namespace ambient::cli {

void register_inbox(CLI::App&, Context&) {}

}  // namespace ambient::cli
