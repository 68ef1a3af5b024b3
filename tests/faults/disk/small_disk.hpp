#pragma once
// A tiny filesystem of its own for disk-full tests: a tmpfs of a fixed size mounted on a
// fresh directory, which a filler file can fill to the last page and give back. Mounting
// needs CAP_SYS_ADMIN; where it is refused the disk says why, for the test to skip.
#include <cstddef>
#include <filesystem>
#include <string>

#include "support/server_process.hpp"

namespace ambient::testing {

class SmallDisk {
public:
    // Mounts on a fresh directory of its own, or on `at` (an existing empty directory).
    explicit SmallDisk(std::size_t bytes, std::filesystem::path at = {});
    ~SmallDisk();
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;

    bool mounted() const { return mounted_; }
    // Why the mount failed (empty when mounted).
    const std::string& refusal() const { return refusal_; }
    const std::filesystem::path& path() const { return path_; }

    // Writes a filler file until the filesystem answers ENOSPC.
    void fill();
    // Removes the filler: the space is free again.
    void free_filler();

private:
    TempDir parent_;
    std::filesystem::path path_;
    bool mounted_ = false;
    std::string refusal_;
};

}  // namespace ambient::testing
