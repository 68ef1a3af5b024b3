#include "common/disk_full.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ambient {
namespace {

// The test's temp directory is assumed to have more than a megabyte free.
const std::filesystem::path kRoomy = std::filesystem::temp_directory_path();

TEST(DiskFull, ReasonsNamingENOSPCOrEDQUOTSayTheWorkspaceDiskIsFull) {
    for (int error : {ENOSPC, EDQUOT}) {
        const std::string reason = std::string("cannot clone r: fatal: write error: ") + std::strerror(error);
        const auto explained = explain_if_disk_full(kRoomy, reason);
        EXPECT_TRUE(explained.starts_with("workspace disk is full (")) << explained;
        EXPECT_TRUE(explained.ends_with(": " + reason)) << explained;
    }
}

TEST(DiskFull, OtherReasonsOnARoomyDiskAreUnchanged) {
    EXPECT_EQ(explain_if_disk_full(kRoomy, "cannot clone r: repository not found"),
              "cannot clone r: repository not found");
}

TEST(DiskFull, AFilesystemThatCannotBeAskedOnlyLooksAtTheReason) {
    EXPECT_EQ(explain_if_disk_full("/nonexistent/ambient", "interrupted"), "interrupted");
}

}  // namespace
}  // namespace ambient
