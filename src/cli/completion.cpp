#include "cli/commands.hpp"

namespace ambient::cli {

void register_completion(CLI::App&) {}

}  // namespace ambient::cli
