#pragma once
// The command line that starts a runner: the runner itself (`--sandbox none`) or the runner
// inside bubblewrap (`--sandbox bwrap`).
#include <filesystem>
#include <string>
#include <vector>

namespace ambient::controlplane {

enum class SandboxKind { Bwrap, None };

const char* sandbox_name(SandboxKind kind);

struct SandboxLayout {
    std::filesystem::path bwrap = "/usr/bin/bwrap";
    std::filesystem::path runner_binary;
    std::filesystem::path claude_cli;           // bound too when it exists (it may be staged under the data dir)
    std::filesystem::path data_dir;             // hidden as a whole (a tmpfs over it)…
    std::filesystem::path workspace;            // …but for this session's workspace (read-write)…
    std::filesystem::path token_dir;            // …and its token directory (read-only)
    std::filesystem::path home;                 // HOME inside the sandbox (on its private /tmp)
    std::vector<std::filesystem::path> hidden;  // host files to hide (e.g. the service token file)
};

// The argv to execve. bwrap: its own user, PID, IPC, UTS and cgroup namespaces, every
// capability dropped, the host read-only, a private /tmp, /proc of its own PID namespace, the
// network shared. Not --die-with-parent: runners outlive a control-plane restart.
std::vector<std::string> runner_argv(SandboxKind kind, const SandboxLayout& layout);

}  // namespace ambient::controlplane
