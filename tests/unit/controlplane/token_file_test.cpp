#include "controlplane/token_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace ambient::controlplane {
namespace {

namespace fs = std::filesystem;

class TokenFile : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("cp_token_file_test." + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    static std::string read(const fs::path& p) {
        std::ifstream in(p);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    std::size_t entries() const {
        return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
    }

    fs::path dir_;
};

TEST_F(TokenFile, WritesTheTokenReadableByItsOwnerOnly) {
    const auto path = dir_ / "bot-token";
    write_token_file(path, "first-token");
    EXPECT_EQ(read(path), "first-token");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(entries(), 1u);  // no temporary file left
}

TEST_F(TokenFile, ReplacesTheFileByRenameSoAReaderOfTheOldOneIsNeverTorn) {
    const auto path = dir_ / "bot-token";
    write_token_file(path, "first-token");
    std::ifstream old_reader(path);  // holds the old inode
    struct stat before {};
    ASSERT_EQ(::stat(path.c_str(), &before), 0);
    write_token_file(path, "second-token");
    struct stat after {};
    ASSERT_EQ(::stat(path.c_str(), &after), 0);
    EXPECT_NE(before.st_ino, after.st_ino);
    EXPECT_EQ(read(path), "second-token");
    std::string old;
    std::getline(old_reader, old);
    EXPECT_EQ(old, "first-token");
    EXPECT_EQ(entries(), 1u);
}

TEST_F(TokenFile, AFailureThrowsWithoutTheTokenAndLeavesNothing) {
    const auto path = dir_ / "missing-dir" / "bot-token";
    try {
        write_token_file(path, "secret-value");
        FAIL() << "expected TokenFileError";
    } catch (const TokenFileError& e) {
        EXPECT_NE(std::string(e.what()).find("missing-dir"), std::string::npos);
        EXPECT_EQ(std::string(e.what()).find("secret-value"), std::string::npos);
    }
    EXPECT_EQ(entries(), 0u);
}

}  // namespace
}  // namespace ambient::controlplane
