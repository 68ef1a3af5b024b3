// What every command relies on: usage errors, the error line and its exit code, the global
// flags and the configuration's precedence.
#include "cli/cli_fixture.hpp"

namespace ambient::testing::cli {
namespace {

TEST_F(CliTest, NoCommandIsAUsageError) {
    const auto r = acpctl({});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("Error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(CliTest, VersionFlagPrintsTheClientVersion) {
    const auto r = acpctl({"--version"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("acpctl version ", 0), 0u) << r.out;
}

}  // namespace
}  // namespace ambient::testing::cli
