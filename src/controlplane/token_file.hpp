#pragma once
// A runner's token file, written so that the runner never reads a half-written token:
// a temporary file in the same directory (created 0600, never wider), written and synced,
// then renamed over the old one. A runner reads the file on every call, so the new token is
// seen on its next call. (A sandbox must bind the file's *directory*: a rename replaces the
// directory entry, and a bind mount of the file itself would keep the old inode.)
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace ambient::controlplane {

class TokenFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Replaces `path` with `content` atomically, mode 0600. Throws TokenFileError (the path and
// the system's reason, never the content); a failure leaves the old file as it was and no
// temporary file behind. `owner` (uid, gid), when given, owns the new file before it is
// renamed into place: a runner running as another uid can read it from its first instant.
struct FileOwner {
    uid_t uid;
    gid_t gid;
};
void write_token_file(const std::filesystem::path& path, std::string_view content,
                      std::optional<FileOwner> owner = std::nullopt);

}  // namespace ambient::controlplane
