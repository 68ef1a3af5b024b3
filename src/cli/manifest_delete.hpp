#pragma once
// `acpctl delete -f FILE|DIR|-`: deletes what the manifests describe (cmd_apply.cpp owns
// the manifest format; cmd_write.cpp's delete calls this when -f is given).
#include <string>
#include <vector>

#include "cli/context.hpp"

namespace ambient::cli {

void delete_from_manifests(Context& ctx, const std::vector<std::string>& files, const std::string& project,
                           bool dry_run);

}  // namespace ambient::cli
