#include "cli/commands.hpp"

namespace ambient::cli {

void register_session(CLI::App&, Context&) {}

}  // namespace ambient::cli
