#include "controlplane/runtimes/local/staging.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "support/server_process.hpp"  // TempDir

namespace ambient::controlplane {
namespace {

namespace fs = std::filesystem;

const RunAs kNobody{65534, 65534};

fs::path program_in(const fs::path& dir, mode_t dir_mode) {
    fs::create_directories(dir);
    const auto program = dir / "prog";
    std::ofstream(program) << "#!/bin/sh\necho staged\n";
    ::chmod(program.c_str(), 0755);
    ::chmod(dir.c_str(), dir_mode);
    return program;
}

TEST(Staging, AReachableProgramIsUsedWhereItIs) {
    testing::TempDir root;
    ::chmod(root.path().c_str(), 0755);
    const auto program = program_in(root.path() / "open", 0755);
    EXPECT_TRUE(reachable_by(program, kNobody));
    EXPECT_EQ(stage_for(program, root.path() / "staging", kNobody), program);
    EXPECT_FALSE(fs::exists(root.path() / "staging"));
}

TEST(Staging, AProgramBehindAPrivateDirectoryIsStagedOnceAndReused) {
    testing::TempDir root;
    ::chmod(root.path().c_str(), 0755);
    const auto program = program_in(root.path() / "private", 0700);
    ASSERT_FALSE(reachable_by(program, kNobody));
    EXPECT_FALSE(passable_by(program.parent_path(), kNobody));
    EXPECT_TRUE(passable_by(root.path(), kNobody));
    const auto staged = stage_for(program, root.path() / "staging", kNobody);
    EXPECT_EQ(staged, root.path() / "staging" / "prog");
    EXPECT_TRUE(reachable_by(staged, kNobody));
    std::ifstream in(staged);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first, "#!/bin/sh");
    struct stat before {};
    ::stat(staged.c_str(), &before);
    // The same program again: the staged file is kept, not replaced.
    EXPECT_EQ(stage_for(program, root.path() / "staging", kNobody), staged);
    struct stat after {};
    ::stat(staged.c_str(), &after);
    EXPECT_EQ(before.st_ino, after.st_ino);
    // No temporary file left.
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(root.path() / "staging"))
        ++entries;
    EXPECT_EQ(entries, 1u);
}

TEST(Staging, AProgramOthersCannotReadIsCopiedReadable) {
    testing::TempDir root;
    ::chmod(root.path().c_str(), 0755);
    const auto program = program_in(root.path() / "private", 0700);
    ::chmod(program.c_str(), 0700);
    const auto staged = stage_for(program, root.path() / "staging", kNobody);
    EXPECT_TRUE(reachable_by(staged, kNobody));
    struct stat a {};
    struct stat b {};
    ::stat(program.c_str(), &a);
    ::stat(staged.c_str(), &b);
    EXPECT_NE(a.st_ino, b.st_ino);  // a copy, not a link: the original keeps its mode
    EXPECT_EQ(a.st_mode & 07777, 0700u);
}

TEST(Staging, WithoutCopiesAProgramThatCannotBeLinkedIsRefusedSayingWhy) {
    testing::TempDir root;
    ::chmod(root.path().c_str(), 0755);
    const auto program = program_in(root.path() / "private", 0700);
    ::chmod(program.c_str(), 0700);  // not linkable as it is: a link would share this mode
    try {
        stage_for(program, root.path() / "staging", kNobody, false);
        FAIL() << "staged without a copy";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("chmod o+x"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace ambient::controlplane
