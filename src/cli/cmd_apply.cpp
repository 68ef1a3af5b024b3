#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/manifest_delete.hpp"

namespace ambient::cli {

void register_apply(CLI::App&, Context&) {}

void delete_from_manifests(Context&, const std::vector<std::string>&, const std::string&, bool) {
    throw usage_error("delete -f is not implemented yet");
}

}  // namespace ambient::cli
