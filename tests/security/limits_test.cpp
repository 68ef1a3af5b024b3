// Issue 9, item 10: files and limits. The SQLite database, WAL and SHM files were 0644;
// page=9223372036854775807 overflowed the offset; short service tokens were accepted; any
// Content-Type was read as JSON; X-Forwarded-Access-Token was read by every server and
// accepted a service token.
#include <sys/stat.h>

#include <fstream>

#include "security/bindings.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

using Limits = SecurityTest;

unsigned mode_of(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
}

TEST_P(Limits, EverythingInTheDataDirIsPrivate) {
    user_creates_project("alice", "alice-proj");  // something written: the WAL exists
    const auto& dir = server().data_dir();
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        EXPECT_EQ(mode_of(entry.path()), 0600u) << entry.path();
        ++files;
    }
    EXPECT_GE(files, 1u);  // the credential key file, at least
    if (GetParam() == Backend::Sqlite) {
        for (const char* name : {"ambient.db", "ambient.db-wal", "ambient.db-shm"})
            EXPECT_TRUE(std::filesystem::exists(dir / name)) << name;
    }
}

TEST_P(Limits, AnOlderServersReadableDatabaseIsMadePrivate) {
    if (GetParam() != Backend::Sqlite) GTEST_SKIP() << "a file of SQLite's";
    const auto db = server().data_dir() / "ambient.db";
    server().process().stop();
    ASSERT_EQ(::chmod(db.c_str(), 0644), 0);
    ApiServer again(SharedDatabase{server()});
    EXPECT_EQ(mode_of(db), 0600u);
}

TEST_P(Limits, AHugePageIs400NotAnOverflow) {
    for (const char* query : {"page=9223372036854775807&size=65500", "page=1000000001&size=1"}) {
        auto r = admin().get(api_path(std::string("/projects?") + query));
        EXPECT_EQ(r.status, 400) << query << ": " << r.body;
    }
    auto r = admin().get(api_path("/projects?page=1000000000&size=65500"));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["items"].size(), 0u);
}

TEST_P(Limits, AShortServiceTokenStopsTheStart) {
    const auto tokens = dir_.path() / "short-tokens";
    std::ofstream(tokens) << std::string(40, 'a') << "\n" << std::string(31, 'b') << "\n";
    for (const auto& [args, env] : std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>>{
             {{"--token-file", tokens.string()}, {"AMBIENT_API_TOKEN="}}, {{}, {"AMBIENT_API_TOKEN=short-token"}}}) {
        std::vector<std::string> all = {"serve", "--api-server-bindaddress", "127.0.0.1:0", "--data-dir",
                                        (dir_.path() / "short").string()};
        all.insert(all.end(), args.begin(), args.end());
        const auto result = run_process(binary_dir() / "ambient-api-server", all, env);
        EXPECT_NE(result.exit_code, 0) << result.output;
        EXPECT_NE(result.output.find("shorter than 32 characters"), std::string::npos) << result.output;
        EXPECT_EQ(result.output.find(std::string(31, 'b')), std::string::npos);
        EXPECT_EQ(result.output.find("short-token"), std::string::npos);
    }
}

TEST_P(Limits, BodiesMustBeJson) {
    const std::string body = json{{"name", "p415"}}.dump();
    for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                             "text/json", "application/xml"}) {
        auto r = admin().post(api_path("/projects"), body, {{"Content-Type", type}});
        EXPECT_EQ(r.status, 415) << type << ": " << r.body;
        EXPECT_EQ(r.json()["kind"], "Error");
        EXPECT_EQ(r.json()["code"], "ambient-api-server-17");
        auto p = as("alice").patch(api_path("/projects/p415"), body, {{"Content-Type", type}});
        EXPECT_EQ(p.status, 415) << type;
    }
    EXPECT_EQ(admin().get(api_path("/projects/p415")).status, 404);
    EXPECT_EQ(admin().post(api_path("/projects"), body, {{"Content-Type", "application/json; charset=utf-8"}}).status,
              201);
    EXPECT_EQ(admin()
                  .patch(api_path("/projects/p415"), R"({"description":"d"})",
                         {{"Content-Type", "application/merge-patch+json"}})
                  .status,
              200);
    // An unauthenticated caller learns nothing more than 401.
    EXPECT_EQ(server().client(false).post(api_path("/projects"), body, {{"Content-Type", "text/plain"}}).status, 401);
}

// Without --trust-forwarded-access-token the header is nobody's; with it, only user JWTs.
TEST_P(Limits, ForwardedAccessTokenOnlyWhenTrustedAndOnlyForUsers) {
    auto anonymous = server().client(false);
    const HeaderPairs forwarded_user = {{"X-Forwarded-Access-Token", user_token("alice")}};
    EXPECT_EQ(anonymous.get(api_path("/projects"), forwarded_user).status, 401);
    EXPECT_EQ(anonymous.get(api_path("/projects"), {{"X-Forwarded-Access-Token", kTestToken}}).status, 401);

    start_server({"--trust-forwarded-access-token"});
    auto behind_proxy = server().client(false);
    EXPECT_EQ(behind_proxy.get(api_path("/projects"), forwarded_user).status, 200);
    EXPECT_EQ(behind_proxy.get(api_path("/projects"), {{"X-Forwarded-Access-Token", kTestToken}}).status, 401);

    ASSERT_EQ(admin().post(api_path("/projects"), R"({"name":"proj"})").status, 201);
    const auto session = made("/sessions", {{"name", "s"}, {"project_id", "proj"}}).value("id", "");
    ASSERT_EQ(admin().post(api_path("/sessions/" + session + "/start"), "").status, 200);
    const auto runner = admin().post(api_path("/sessions/" + session + "/runner_token"), "").json().value("token", "");
    ASSERT_FALSE(runner.empty());
    EXPECT_EQ(behind_proxy.get(api_path("/sessions/" + session), {{"X-Forwarded-Access-Token", runner}}).status, 401);
    auto as_runner = server().client(false);
    as_runner.set_bearer(runner);
    EXPECT_EQ(as_runner.get(api_path("/sessions/" + session)).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, Limits, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
