#include "controlplane/runtimes/local/sandbox.hpp"

namespace ambient::controlplane {

const char* sandbox_name(SandboxKind kind) {
    return kind == SandboxKind::Bwrap ? "bwrap" : "none";
}

std::vector<std::string> runner_argv(SandboxKind kind, const SandboxLayout& layout) {
    const auto runner = layout.runner_binary.string();
    if (kind == SandboxKind::None) return {runner};
    std::vector<std::string> a = {
        layout.bwrap.string(),
        "--unshare-user",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--share-net",
        "--cap-drop",
        "ALL",
        // Its own session: no terminal of ours to push input into (TIOCSTI).
        "--new-session",
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--dir",
        layout.home.string(),
        "--tmpfs",
        layout.data_dir.string(),
        "--bind",
        layout.workspace.string(),
        layout.workspace.string(),
        // The directory, not the file: the token file is replaced by a rename, and a bind
        // of the file would keep showing the old one.
        "--ro-bind",
        layout.token_dir.string(),
        layout.token_dir.string(),
        // The programs, after every tmpfs (/tmp, the data dir) that could hide them and before
        // the data dir turns read-only: a program staged there needs its mount point made.
        "--ro-bind",
        runner,
        runner,
    };
    if (!layout.claude_cli.empty()) {
        a.insert(a.end(), {"--ro-bind-try", layout.claude_cli.string(), layout.claude_cli.string()});
    }
    a.insert(a.end(), {
                          // The tmpfs that hides the other sessions must not be a place to write either.
                          "--remount-ro",
                          layout.data_dir.string(),
                      });
    for (const auto& h : layout.hidden) {
        a.insert(a.end(), {"--ro-bind-try", "/dev/null", h.string()});
    }
    a.insert(a.end(), {"--chdir", layout.workspace.string(), "--", runner});
    return a;
}

}  // namespace ambient::controlplane
