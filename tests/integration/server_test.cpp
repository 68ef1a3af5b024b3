// The server process as an operator meets it: public metadata, health, metrics, the
// OpenAPI document, migrations, and the generated token of an unconfigured install.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <vector>

#include "api/app.hpp"
#include "api/schema_migrations.hpp"
#include "api/store/database.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

class Server : public ApiTest {};

TEST_P(Server, PublicPathsNeedNoToken) {
    auto anonymous = server_->client(false);
    auto meta = anonymous.get("/api/ambient");
    ASSERT_EQ(meta.status, 200);
    EXPECT_EQ(meta.json()["id"], "ambient-api-server");
    EXPECT_EQ(meta.json()["kind"], "API");
    EXPECT_EQ(meta.json()["href"], "/api/ambient");
    EXPECT_FALSE(meta.json()["version"].get<std::string>().empty());
    EXPECT_EQ(anonymous.get("/api/ambient/v1").status, 200);
    EXPECT_EQ(anonymous.get("/api/ambient/v1/openapi").status, 200);
    EXPECT_EQ(anonymous.get("/healthcheck").json()["status"], "ok");
    EXPECT_EQ(anonymous.get("/metrics").status, 200);
    EXPECT_EQ(anonymous.get("/api/ambient/v1/projects").status, 401);
}

TEST_P(Server, EveryResponseCarriesAnOperationId) {
    auto ok = http().get("/api/ambient/v1/projects");
    auto missing = http().get("/api/ambient/v1/nothing-here");
    EXPECT_EQ(ok.headers["X-Operation-ID"].size(), 27u);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.json()["operation_id"], missing.headers["X-Operation-ID"]);
    EXPECT_EQ(missing.json()["reason"], "The requested resource '/api/ambient/v1/nothing-here' doesn't exist");
    EXPECT_NE(ok.headers["X-Operation-ID"], missing.headers["X-Operation-ID"]);
}

TEST_P(Server, MetricsCountRequestsByRouteAndStatusAndShowThePool) {
    http().get("/api/ambient/v1/projects");
    http().get("/api/ambient/v1/projects/none");
    auto text = http().get("/metrics").body;
    EXPECT_NE(text.find(R"(ambient_http_requests_total{method="GET",route="/api/ambient/v1/projects",status="200"} 1)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(R"(route="/api/ambient/v1/projects/{id}",status="404"} 1)"), std::string::npos);
    EXPECT_NE(text.find("ambient_http_request_duration_seconds_bucket"), std::string::npos);
    EXPECT_NE(text.find("ambient_db_pool_in_use"), std::string::npos);
}

// The value of an unlabelled series in a Prometheus text page; nullopt when absent.
std::optional<double> series(const std::string& page, const std::string& name) {
    const auto at = page.find("\n" + name + " ");
    if (at == std::string::npos) return std::nullopt;
    return std::stod(page.substr(at + name.size() + 2));
}

// What tells an operator (and bench/soak) a leak from a cache filling up.
TEST_P(Server, MetricsShowTheProcessMemoryAndWhatSqliteHolds) {
    http().get("/api/ambient/v1/projects");
    const auto page = http().get("/metrics").body;
    const auto resident = series(page, "process_resident_memory_bytes");
    ASSERT_TRUE(resident.has_value()) << page;
    EXPECT_GT(*resident, 1 << 20);
    // The server's own count, read beside it from outside.
    std::ifstream statm("/proc/" + std::to_string(server_->process().pid()) + "/statm");
    long long size_pages = 0, resident_pages = 0;
    ASSERT_TRUE(statm >> size_pages >> resident_pages);
    const double outside = double(resident_pages) * double(::sysconf(_SC_PAGESIZE));
    EXPECT_NEAR(*resident, outside, outside * 0.5);
    const auto in_use = series(page, "ambient_heap_in_use_bytes");
    const auto retained = series(page, "ambient_heap_retained_bytes");
    ASSERT_TRUE(in_use && retained) << page;
    EXPECT_GT(*in_use, 0);
    EXPECT_GE(*retained, *in_use);
    const auto sqlite = series(page, "ambient_db_library_memory_bytes");
    if (GetParam() == Backend::Sqlite) {
        ASSERT_TRUE(sqlite.has_value()) << page;
        EXPECT_GT(*sqlite, 0);
    } else {
        EXPECT_FALSE(sqlite.has_value()) << "PostgreSQL's memory is the server's, not ours";
    }
}

TEST_P(Server, TheLogNeverHoldsTheTokenOrTheQuery) {
    http().get("/api/ambient/v1/projects?search=" + url_encode("name = 'secret-looking'"));
    http().post("/api/ambient/v1/projects", R"({"name":"logged","description":"body-text-never-logged"})");
    auto anonymous = server_->client(false);
    anonymous.set_bearer("wrong-token-value");
    anonymous.get("/api/ambient/v1/projects");
    server_->process().stop();
    const auto log = server_->process().log();
    EXPECT_NE(log.find("/api/ambient/v1/projects"), std::string::npos) << log;
    EXPECT_EQ(log.find(kTestToken), std::string::npos);
    EXPECT_EQ(log.find("wrong-token-value"), std::string::npos);
    EXPECT_EQ(log.find("secret-looking"), std::string::npos);
    EXPECT_EQ(log.find("body-text-never-logged"), std::string::npos);
}

TEST_P(Server, StopsCleanlyOnSigterm) {
    EXPECT_EQ(server_->process().stop(), 0);
}

TEST_P(Server, OpenApiDocumentDescribesEveryRoute) {
    auto doc = http().get("/api/ambient/v1/openapi").json();
    EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
    // Walk the router the binary serves (built the same way, in-process) and find each
    // route in the served document.
    auto db = store::open_sqlite(server_->data_dir().string() + "/walk");
    api::App app(*db, {}, {});
    ASSERT_GT(app.router().routes().size(), 20u);
    for (const auto& route : app.router().routes()) {
        std::string method = route.method;
        std::transform(method.begin(), method.end(), method.begin(), ::tolower);
        EXPECT_TRUE(doc["paths"].contains(route.pattern)) << route.pattern;
        EXPECT_TRUE(doc["paths"][route.pattern].contains(method)) << route.method << " " << route.pattern;
    }
    EXPECT_TRUE(doc["paths"].contains("/api/ambient/v1/projects"));
    // Nested collections are described with their own kind, actions with their own shape.
    const auto& nested = doc["paths"]["/api/ambient/v1/projects/{id}/credentials"]["get"]["responses"]["200"];
    EXPECT_EQ(nested["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/CredentialList");
    EXPECT_FALSE(doc["paths"]["/api/ambient/v1/sessions/{id}/start"]["post"].contains("requestBody"));
    EXPECT_TRUE(doc["components"]["schemas"].contains("RoleBinding"));
}

TEST_P(Server, GzipWhenAsked) {
    for (int i = 0; i < 30; ++i) {
        http().post("/api/ambient/v1/users", json{{"username", "u" + std::to_string(i)}, {"name", "N"}}.dump());
    }
    auto r = http().get("/api/ambient/v1/users", {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["Content-Encoding"], "gzip");
}

INSTANTIATE_TEST_SUITE_P(Backends, Server, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

TEST(ServerSetup, GeneratesAPrivateTokenWhenNoneIsConfigured) {
    TempDir dir;
    ServerProcess server(binary_dir() / "ambient-api-server",
                         {"serve", "--api-server-bindaddress", "127.0.0.1:0", "--data-dir", dir.path().string()},
                         {"AMBIENT_API_TOKEN="});
    const auto token_path = dir.path() / "api-token";
    ASSERT_TRUE(std::filesystem::exists(token_path));
    struct stat st {};
    ASSERT_EQ(stat(token_path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
    std::string token;
    std::ifstream(token_path) >> token;
    EXPECT_GE(token.size(), 40u);

    HttpClient http(server.host(), server.port());
    EXPECT_EQ(http.get("/api/ambient/v1/projects").status, 401);
    http.set_bearer(token);
    EXPECT_EQ(http.get("/api/ambient/v1/projects").status, 200);
    EXPECT_NE(server.log().find(token_path.string()), std::string::npos);
}

TEST(ServerSetup, TokenFileGrantsAccess) {
    TempDir dir;
    const auto file = dir.path() / "tokens";
    const std::string first = "first-token-0123456789abcdefghijklmnop";
    const std::string second = "second-token-0123456789abcdefghijklmno";
    std::ofstream(file) << "# service tokens\n" << first << "\n\n" << second << "\n";
    ServerProcess server(binary_dir() / "ambient-api-server",
                         {"serve", "--api-server-bindaddress", "127.0.0.1:0", "--data-dir", dir.path().string(),
                          "--token-file", file.string()},
                         {"AMBIENT_API_TOKEN="});
    HttpClient http(server.host(), server.port());
    for (const auto& token : {first, second}) {
        http.set_bearer(token);
        EXPECT_EQ(http.get("/api/ambient/v1/projects").status, 200) << token;
    }
    http.set_bearer("# service tokens");
    EXPECT_EQ(http.get("/api/ambient/v1/projects").status, 401);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "api-token"));
}

TEST(ServerSetup, MigrateAppliesOnceAndRecordsEachMigration) {
    TempDir dir;
    const auto bin = binary_dir() / "ambient-api-server";
    auto first = run_process(bin, {"migrate", "--data-dir", dir.path().string()});
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_NE(first.output.find("applied migration 1"), std::string::npos) << first.output;
    auto second = run_process(bin, {"migrate", "--data-dir", dir.path().string()});
    ASSERT_EQ(second.exit_code, 0);
    EXPECT_NE(second.output.find("up to date"), std::string::npos) << second.output;

    auto db = store::open_sqlite(dir.path().string());
    auto lease = db->acquire();
    auto rs = lease->exec("SELECT id FROM migrations ORDER BY id");
    // Every migration once; ids ascend but need not be contiguous (branches reserve ranges).
    std::vector<std::int64_t> expected;
    for (const auto& m : api::schema_migrations())
        expected.push_back(m.id);
    std::sort(expected.begin(), expected.end());
    std::vector<std::int64_t> recorded;
    for (const auto& row : rs.rows)
        recorded.push_back(std::get<std::int64_t>(row[0]));
    EXPECT_EQ(recorded, expected);
}

TEST(ServerSetup, BadConfigurationStopsStartupWithAClearMessage) {
    const auto bin = binary_dir() / "ambient-api-server";
    auto r = run_process(bin, {"serve", "--api-server-bindaddress", "nonsense"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("HOST:PORT"), std::string::npos) << r.output;
    auto pg = run_process(bin, {"migrate", "--db-url", "postgresql://nobody:secretpw@127.0.0.1:1/none"});
    EXPECT_NE(pg.exit_code, 0);
    EXPECT_EQ(pg.output.find("secretpw"), std::string::npos) << pg.output;
}

}  // namespace
}  // namespace ambient::testing
