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
        // The tmpfs that hides the other sessions must not be a place to write either.
        "--remount-ro",
        layout.data_dir.string(),
    };
    for (const auto& h : layout.hidden) {
        a.insert(a.end(), {"--ro-bind-try", "/dev/null", h.string()});
    }
    // The runner binary again, last: a tmpfs above (/tmp, the data dir) must not hide it.
    a.insert(a.end(), {"--ro-bind", runner, runner, "--chdir", layout.workspace.string(), "--", runner});
    return a;
}

}  // namespace ambient::controlplane
