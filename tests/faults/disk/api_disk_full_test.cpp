// Issue 15: the API server whose database disk fills up. The real binary keeps its data on
// a small tmpfs: on SQLite its data directory, on PostgreSQL a tablespace holding its
// database (the cluster's write-ahead log stays on a roomy disk, as an operator would
// place it). A filler file takes the last free page. Writes that do not fit answer 507 with
// a reason naming the full disk (never 500), reads keep answering, the log says so once per
// interval rather than once per request, nothing of a refused write is kept, and once the
// filler is gone writes are stored again (on SQLite the file then passes PRAGMA
// integrity_check).
#include <gtest/gtest.h>
#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstddef>
#include <memory>
#include <string>

#include "api/store/database.hpp"
#include "faults/disk/small_disk.hpp"
#include "integration/api_fixture.hpp"
#include "support/http_client.hpp"
#include "support/pg_cluster.hpp"
#include "support/server_process.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kToken = "faults-disk-test-service-token-0123456789";
constexpr const char* kProjects = "/api/ambient/v1/projects";
constexpr const char* kFullReason = "Storage is full: the write was not stored; free space on the database's disk";
// Room for the migrated database (PostgreSQL's copy of template1 is about 8 MB) and, on
// SQLite, its write-ahead log; the filler takes the rest.
constexpr std::size_t kDiskBytes = 24 * 1024 * 1024;

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size()))
        ++n;
    return n;
}

std::string sqlite_text(const std::filesystem::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
            out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        }
        sqlite3_finalize(stmt);
    }
    if (out.empty()) out = std::string("error: ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return out;
}

json project(int n) {
    // Large enough that each write needs fresh pages, not room left in a page.
    return {{"name", "fill-" + std::to_string(n)}, {"description", std::string(16 * 1024, 'd')}};
}

// A database of the shared cluster whose files live in a tablespace on `disk`.
class PgDatabaseOnDisk {
public:
    explicit PgDatabaseOnDisk(const SmallDisk& disk) {
        auto& cluster = PgCluster::shared();
        if (cluster.external()) {
            refusal_ = "AMBIENT_TEST_PG_URL names a server that cannot see this test's tmpfs";
            return;
        }
        const passwd* pw = ::getpwnam("postgres");
        if (pw != nullptr && ::chown(disk.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
            refusal_ = "cannot give the tmpfs to the postgres user";
            return;
        }
        tablespace_ = "ambient_small_disk_" + std::to_string(::getpid());
        admin("CREATE TABLESPACE " + tablespace_ + " LOCATION '" + disk.path().string() + "'");
        url_ = cluster.create_database("disk_full");
        const auto name = url_.substr(url_.rfind('/') + 1);
        admin("ALTER DATABASE " + name + " SET TABLESPACE " + tablespace_);
    }
    ~PgDatabaseOnDisk() {
        if (!url_.empty()) PgCluster::shared().drop_database(url_);
        if (!tablespace_.empty()) {
            try {
                admin("DROP TABLESPACE IF EXISTS " + tablespace_);
            } catch (...) {
                // Left for the cluster's removal at process exit.
            }
        }
    }
    const std::string& refusal() const { return refusal_; }
    const std::string& url() const { return url_; }

private:
    static void admin(const std::string& sql) {
        auto db = store::open_postgres(PgCluster::shared().url());
        auto lease = db->acquire();
        lease->exec_script(sql);
    }
    std::string refusal_;
    std::string tablespace_;
    std::string url_;
};

class ApiDiskFull : public ::testing::TestWithParam<Backend> {};

TEST_P(ApiDiskFull, WritesAnswer507ReadsContinueAndWritesResumeWhenSpaceReturns) {
    SmallDisk disk(kDiskBytes);
    if (!disk.mounted()) GTEST_SKIP() << disk.refusal();
    const bool sqlite = GetParam() == Backend::Sqlite;
    TempDir roomy;  // the PostgreSQL server's data dir (its secrets) is not the database
    const auto data_dir = sqlite ? disk.path() / "data" : roomy.path();
    std::unique_ptr<PgDatabaseOnDisk> pg;
    std::vector<std::string> args{"serve",      "--api-server-bindaddress", "127.0.0.1:0",
                                  "--data-dir", data_dir.string(),          "--db-max-open-connections",
                                  "4"};
    if (!sqlite) {
        pg = std::make_unique<PgDatabaseOnDisk>(disk);
        if (!pg->refusal().empty()) GTEST_SKIP() << pg->refusal();
        args.insert(args.end(), {"--db-url", pg->url()});
    }

    auto server = std::make_unique<ServerProcess>(binary_dir() / "ambient-api-server", args,
                                                  std::vector<std::string>{std::string("AMBIENT_API_TOKEN=") + kToken});
    HttpClient http(server->host(), server->port());
    http.set_bearer(kToken);

    auto before = http.post(kProjects, json{{"name", "before"}}.dump());
    ASSERT_EQ(before.status, 201) << before.body;
    const std::string before_id = before.json()["id"];

    disk.fill();

    // Writes may still fit in pages the database already holds; keep writing until the
    // disk refuses, then more to see every refusal answered alike.
    int stored = 0;
    int refused = 0;
    HttpResult refusal;
    for (int n = 0; n < 1000 && refused < 10; ++n) {
        auto r = http.post(kProjects, project(n).dump());
        ASSERT_TRUE(r.status == 201 || r.status == 507) << r.status << " " << r.body << "\n" << server->log();
        if (r.status == 201) ++stored;
        if (r.status == 507) {
            ++refused;
            refusal = r;
        }
    }
    ASSERT_EQ(refused, 10) << "the full disk never refused a write (" << stored << " stored)";
    RecordProperty("stored_after_filling", stored);
    const auto body = refusal.json();
    EXPECT_EQ(body["kind"], "Error");
    EXPECT_EQ(body["code"], "ambient-api-server-9");
    EXPECT_EQ(body["reason"], kFullReason);

    // Reads are served from what is stored.
    EXPECT_EQ(http.get(std::string(kProjects) + "/" + before_id).status, 200);
    auto list = http.get(kProjects);
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(list.json()["total"], 1 + stored);

    // One line for the refusals: the interval is far longer than this test.
    EXPECT_EQ(occurrences(server->log(), "Storage is full"), 1u) << server->log();

    disk.free_filler();
    auto after = http.post(kProjects, json{{"name", "after"}}.dump());
    EXPECT_EQ(after.status, 201) << after.body;
    // Nothing of a refused write was kept: "before", the stored fillers and "after".
    list = http.get(kProjects);
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(list.json()["total"], stored + 2);

    EXPECT_EQ(server->stop(), 0) << server->log();
    server.reset();
    if (sqlite) {
        EXPECT_EQ(sqlite_text(data_dir / "ambient.db", "PRAGMA integrity_check"), "ok");
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiDiskFull, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
