#include "controlplane/runtimes/local/staging.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <system_error>

#include <spdlog/spdlog.h>

namespace ambient::controlplane {
namespace fs = std::filesystem;

namespace {

bool permits(const struct stat& st, mode_t need, const RunAs& who) {
    if (st.st_uid == who.uid) return (st.st_mode & (need << 6)) == (need << 6);
    if (st.st_gid == who.gid) return (st.st_mode & (need << 3)) == (need << 3);
    return (st.st_mode & need) == need;
}

// The staged copy is the program itself while size and modification time agree.
bool same_file_content(const fs::path& a, const fs::path& b) {
    struct stat sa {};
    struct stat sb {};
    if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
    if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino) return true;  // a hard link
    return sa.st_size == sb.st_size && sa.st_mtim.tv_sec == sb.st_mtim.tv_sec &&
           sa.st_mtim.tv_nsec == sb.st_mtim.tv_nsec;
}

}  // namespace

bool passable_by(const fs::path& dir, const RunAs& who) {
    for (auto p = fs::absolute(dir); !p.empty(); p = p.parent_path()) {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0 || !permits(st, 01, who)) return false;
        if (p == p.root_path()) break;
    }
    return true;
}

bool reachable_by(const fs::path& path, const RunAs& who) {
    const auto absolute = fs::absolute(path);
    if (!passable_by(absolute.parent_path(), who)) return false;
    struct stat st {};
    return ::stat(absolute.c_str(), &st) == 0 && permits(st, 05, who);
}

fs::path stage_for(const fs::path& program, const fs::path& staging_dir, const RunAs& who, bool may_copy) {
    if (reachable_by(program, who)) return program;
    const auto source = fs::canonical(program);  // a symlink (node_modules/.bin) to the file
    const auto staged = staging_dir / source.filename();
    std::error_code ec;
    fs::create_directories(staging_dir, ec);
    if (ec || ::chmod(staging_dir.c_str(), 0755) != 0)
        throw std::runtime_error("cannot create " + staging_dir.string() + ": " + ec.message());
    if (same_file_content(source, staged) && reachable_by(staged, who)) return staged;

    // Into a temporary name first, then renamed: a runner starting meanwhile sees the old
    // file or the new one, never half of one.
    const auto temp = staging_dir / ("." + source.filename().string() + ".tmp." + std::to_string(::getpid()));
    fs::remove(temp, ec);
    // A hard link shares the source's inode and mode: only when that already lets everyone
    // read and run it (the source then lacked no more than a passable directory).
    struct stat source_st {};
    const bool open_mode = ::stat(source.c_str(), &source_st) == 0 && (source_st.st_mode & 05) == 05;
    bool linked = false;
    if (open_mode) {
        fs::create_hard_link(source, temp, ec);
        linked = !ec;
    }
    if (!linked && !may_copy) {
        throw std::runtime_error(source.string() + " is not reachable by uid " + std::to_string(who.uid) +
                                 " and cannot be hard-linked into " + staging_dir.string() +
                                 " (another file system): make its directories passable (chmod o+x)");
    }
    if (!linked) {
        fs::copy_file(source, temp, fs::copy_options::overwrite_existing, ec);
        if (ec) throw std::runtime_error("cannot stage " + source.string() + ": " + ec.message());
        // The same modification time, so that the next start knows the copy is current.
        struct stat st {};
        if (::stat(source.c_str(), &st) == 0) {
            const struct timespec times[2] = {st.st_atim, st.st_mtim};
            ::utimensat(AT_FDCWD, temp.c_str(), times, 0);
        }
    }
    if (!linked && ::chmod(temp.c_str(), 0755) != 0) throw std::runtime_error("cannot chmod " + temp.string());
    fs::rename(temp, staged, ec);
    if (ec) throw std::runtime_error("cannot stage " + source.string() + ": " + ec.message());
    if (!reachable_by(staged, who))
        throw std::runtime_error(staged.string() + " is not readable and runnable by uid " + std::to_string(who.uid));
    spdlog::info("{} is not reachable by uid {}: staged as {} ({})", source.string(), who.uid, staged.string(),
                 linked ? "hard link" : "copy");
    return staged;
}

}  // namespace ambient::controlplane
