#pragma once
// `acpctl create <kind>`: upstream's one shared flag set for every kind (a flag that does not
// apply to the kind is warned about and ignored). Registered by register_write.
#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace ambient::cli {

void add_create(CLI::App& app, Context& ctx);

}  // namespace ambient::cli
