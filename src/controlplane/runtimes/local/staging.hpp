#pragma once
// Programs the runners must run (ambient-runner, the Claude Code CLI) made reachable by the
// runner uid. A checkout under a private directory (a home at 0700, a mktemp dir) holds them
// where that uid cannot pass, and the sandbox binds host paths as they are; such a program is
// then staged under the data dir, which runners must reach anyway: hard-linked when it is on
// the same file system, copied otherwise, reused while it is the same file.
#include <filesystem>

#include "controlplane/runtimes/local/spawner.hpp"  // RunAs

namespace ambient::controlplane {

// Whether `who` may pass through `dir` and every parent of it.
bool passable_by(const std::filesystem::path& dir, const RunAs& who);

// Whether `who` may pass through every parent of `path` and read and run it.
bool reachable_by(const std::filesystem::path& path, const RunAs& who);

// `program` itself when `who` reaches it; otherwise its copy in `staging_dir` (created 0755),
// readable and runnable by everyone. `may_copy` false: a hard link only (a large program is
// not copied at every start). Throws std::runtime_error when it cannot be staged.
std::filesystem::path stage_for(const std::filesystem::path& program, const std::filesystem::path& staging_dir,
                                const RunAs& who, bool may_copy = true);

}  // namespace ambient::controlplane
