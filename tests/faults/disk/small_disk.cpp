#include "faults/disk/small_disk.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace ambient::testing {
namespace {

constexpr const char* kFiller = "filler";

}  // namespace

SmallDisk::SmallDisk(std::size_t bytes, std::filesystem::path at)
    : path_(at.empty() ? parent_.path() / "disk" : std::move(at)) {
    std::filesystem::create_directories(path_);
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
    if (::mount("ambient-small-disk", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0) {
        mounted_ = true;
    } else {
        refusal_ = std::string("cannot mount a tmpfs (needs CAP_SYS_ADMIN): ") + std::strerror(errno);
    }
}

SmallDisk::~SmallDisk() {
    // Lazily, so that a process the test failed to stop cannot keep the mount busy.
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
}

void SmallDisk::fill() {
    const auto file = path_ / kFiller;
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + file.string() + ": " + std::strerror(errno));
    // Large chunks first, then single pages, so that not even a page is left.
    const std::vector<char> chunk(64 * 1024, 'f');
    for (std::size_t size : {chunk.size(), std::size_t{4096}, std::size_t{1}}) {
        while (::write(fd, chunk.data(), size) > 0) {
        }
        if (errno != ENOSPC) {
            ::close(fd);
            throw std::runtime_error("filling " + file.string() + " failed: " + std::strerror(errno));
        }
    }
    ::close(fd);
}

void SmallDisk::free_filler() {
    std::filesystem::remove(path_ / kFiller);
}

}  // namespace ambient::testing
