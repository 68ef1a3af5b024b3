// The fixture itself: the admin and signed-in users reach the server, and an unsigned
// caller does not. Every attack test relies on these three.
#include "security/security_fixture.hpp"

namespace ambient::testing {
namespace {

using SecurityFixture = SecurityTest;

TEST_P(SecurityFixture, AdminUsersAndStrangersAreTold) {
    EXPECT_EQ(admin().get(api_path("/projects")).status, 200);
    user_creates_project("alice", "alice-proj");
    auto alice = as("alice");
    EXPECT_EQ(alice.get(api_path("/projects/alice-proj")).status, 200);
    EXPECT_EQ(as("bob").get(api_path("/projects/alice-proj")).status, 404);
    EXPECT_EQ(server().client(false).get(api_path("/projects")).status, 401);
    EXPECT_GT(resident_kib(server().process().pid()), 0u);
    EXPECT_GT(open_descriptors(server().process().pid()), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, SecurityFixture, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         backend_name);

}  // namespace
}  // namespace ambient::testing
