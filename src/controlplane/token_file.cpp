#include "controlplane/token_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace ambient::controlplane {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int error) {
    throw TokenFileError(what + " " + path.string() + ": " + std::strerror(error));
}

}  // namespace

void write_token_file(const std::filesystem::path& path, std::string_view content, std::optional<FileOwner> owner) {
    // Unique within this process (several refresh workers may write at once) and between
    // processes (the pid).
    static std::atomic<unsigned> counter{0};
    auto temp = path;
    temp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);

    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) fail("cannot create", temp, errno);
    std::size_t written = 0;
    while (written < content.size()) {
        const auto n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int error = n < 0 ? errno : EIO;
            ::close(fd);
            ::unlink(temp.c_str());
            fail("cannot write", temp, error);
        }
        written += static_cast<std::size_t>(n);
    }
    // fchmod as well: a umask cannot widen 0600, but be explicit about the contract.
    if (::fchmod(fd, 0600) != 0 || (owner && ::fchown(fd, owner->uid, owner->gid) != 0) || ::fsync(fd) != 0) {
        const int error = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        fail("cannot sync", temp, error);
    }
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        fail("cannot rename onto", path, error);
    }
}

}  // namespace ambient::controlplane
