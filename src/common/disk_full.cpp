#include "common/disk_full.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace ambient {
namespace {

std::optional<std::uintmax_t> available_bytes(const std::filesystem::path& path) {
    struct statvfs fs {};
    if (::statvfs(path.c_str(), &fs) != 0) return std::nullopt;
    return static_cast<std::uintmax_t>(fs.f_bavail) * fs.f_frsize;
}

}  // namespace

bool mentions_disk_full(std::string_view message) {
    return message.find(std::strerror(ENOSPC)) != std::string_view::npos ||
           message.find(std::strerror(EDQUOT)) != std::string_view::npos;
}

std::string explain_if_disk_full(const std::filesystem::path& path, std::string reason) {
    const auto available = available_bytes(path);
    const bool nearly_full = available && *available < kNearlyFullBytes;
    if (!nearly_full && !mentions_disk_full(reason)) return reason;
    std::string prefix(kWorkspaceDiskFull);
    if (available) prefix += " (" + std::to_string(*available) + " bytes free at " + path.string() + ")";
    return prefix + ": " + reason;
}

}  // namespace ambient
