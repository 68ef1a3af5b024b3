// Issue 9, item 7: unbounded ids in audit rows. GET /credentials/<60,000 characters>/token
// wrote a 60,000-character audit row (200 requests → 12 MB in 0.6 s). Ids are now checked
// for shape before any lookup, audit or log; denied token reads are audited at a bounded
// rate per principal (the rest counted in a summary row); old audit rows are pruned.
#include <chrono>
#include <thread>

#include "support/server_process.hpp"

#include "common/ksuid.hpp"
#include "common/time.hpp"
#include "security/bindings.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class AuditFlood : public SecurityTest {
protected:
    std::int64_t count(const std::string& where, std::vector<store::SqlValue> params = {}) {
        const auto rs = run_sql(server(), "SELECT COUNT(*) FROM audit_events WHERE " + where, std::move(params));
        return std::get<std::int64_t>(rs.rows.at(0).at(0));
    }
    std::int64_t longest_audited_id() {
        const auto rs = run_sql(server(), "SELECT target_id FROM audit_events");
        std::size_t longest = 0;
        for (const auto& row : rs.rows)
            longest = std::max(longest, store::text_of(row[0]).size());
        return static_cast<std::int64_t>(longest);
    }
    std::string alices_credential() {
        user_creates_project("alice", "alice-proj");
        auto r = as("alice").post(api_path("/credentials"),
                                  json{{"name", "gh"}, {"provider", "github"}, {"token", "ghp_secret"}}.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json().value("id", "");
    }
};

TEST_P(AuditFlood, OverlongIdsAreRefusedBeforeAnyAuditRow) {
    const std::string overlong(60000, 'A');
    auto mallory = as("mallory");
    for (int i = 0; i < 200; ++i) {
        auto r = mallory.get(api_path("/credentials/" + overlong + "/token"));
        ASSERT_EQ(r.status, 404) << r.body.substr(0, 200);
        ASSERT_LT(r.body.size(), 400u);
    }
    EXPECT_EQ(count("outcome = ?", {std::string("denied")}), 0);
    EXPECT_LE(longest_audited_id(), 27);
    // A caller with no token is told to authenticate first, whatever the id.
    EXPECT_EQ(server().client(false).get(api_path("/credentials/" + overlong + "/token")).status, 401);
}

// Every path id is checked, KSUIDs and project names alike, on reads and writes.
TEST_P(AuditFlood, MalformedIdsOnEveryKindOfRouteAre404) {
    user_creates_project("alice", "alice-proj");
    const std::string overlong(60000, 'x');
    const std::string ksuid = new_ksuid();
    const std::vector<std::pair<std::string, std::string>> requests = {
        {"GET", "/sessions/" + overlong},
        {"GET", "/sessions/" + overlong + "/events"},
        {"POST", "/sessions/" + overlong + "/stop"},
        {"GET", "/sessions/" + overlong + "/messages"},
        {"DELETE", "/credentials/" + overlong},
        {"GET", "/projects/" + overlong},
        {"GET", "/projects/Not_A_Name"},
        {"GET", "/projects/alice-proj/agents/" + overlong},
        {"GET", "/projects/alice-proj/credentials/" + overlong + "/token"},
        {"GET", "/projects/alice-proj/agents/" + ksuid + "/inbox/" + overlong},
        {"GET", "/agents/" + overlong},
        {"GET", "/role_bindings/" + overlong},
        {"GET", "/users/" + overlong},
        {"GET", "/roles/" + overlong},
        {"GET", "/project_settings/" + overlong},
        {"GET", "/audit_events/" + overlong},
    };
    auto alice = as("alice");
    for (const auto& [method, path] : requests) {
        for (auto* client : {&alice, &admin()}) {
            auto r = client->request(method, api_path(path));
            EXPECT_EQ(r.status, 404) << method << " " << path.substr(0, 60) << ": " << r.body.substr(0, 200);
            EXPECT_LT(r.body.size(), 400u) << path.substr(0, 60);
        }
    }
    EXPECT_EQ(count("outcome = ?", {std::string("denied")}), 0);
    EXPECT_LE(longest_audited_id(), 27);
}

// A principal refused again and again gets a burst of rows, then only a count.
TEST_P(AuditFlood, DeniedReadsAreAuditedAtABoundedRatePerPrincipal) {
    const auto credential = alices_credential();
    const auto path = api_path("/credentials/" + credential + "/token");
    auto mallory = as("mallory");
    for (int i = 0; i < 200; ++i)
        ASSERT_EQ(mallory.get(path).status, 404);
    const auto written = count("actor = ? AND outcome = ?", {std::string("mallory"), std::string("denied")});
    EXPECT_GE(written, 20);
    EXPECT_LE(written, 30);  // the burst, and what the rate refilled meanwhile
    const auto metrics = server().client(false).get("/metrics").body;
    EXPECT_NE(metrics.find("ambient_audit_denied_reads_suppressed_total"), std::string::npos);
    EXPECT_EQ(metrics.find("ambient_audit_denied_reads_suppressed_total 0\n"), std::string::npos);

    // The count is written as a summary row with the principal's next recorded denial.
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (count("actor = ? AND reason LIKE ?", {std::string("mallory"), std::string("% more denied token reads%")}) ==
               0 &&
           std::chrono::steady_clock::now() < deadline) {
        mallory.get(path);
        std::this_thread::sleep_for(250ms);  // pacing the attacker, not waiting for the server
    }
    EXPECT_EQ(count("actor = ? AND reason LIKE ?", {std::string("mallory"), std::string("% more denied token reads%")}),
              1);

    // Others are not held back by mallory's budget, and allowed reads are always audited.
    auto alice = as("alice");
    for (int i = 0; i < 50; ++i)
        ASSERT_EQ(alice.get(path).status, 200);
    EXPECT_EQ(count("actor = ? AND action = ? AND outcome = ?",
                    {std::string("alice"), std::string("fetch_token"), std::string("allowed")}),
              50);
}

class AuditRetention : public AuditFlood {
protected:
    void plant(const std::string& id, std::chrono::system_clock::time_point when) {
        const auto at = format_rfc3339(when);
        run_sql(
            server(),
            "INSERT INTO audit_events (id, created_at, updated_at, actor, actor_kind, target_kind, action, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            {id, at, at, std::string("old"), std::string("user"), std::string("credential"), std::string("fetch_token"),
             std::string("allowed")});
    }
    bool exists(const std::string& id) { return count("id = ?", {id}) == 1; }
};

// Pruning runs as a server starts (before it listens), then hourly: each server below has
// pruned by the time it answers.
TEST_P(AuditRetention, RowsOlderThanTheRetentionAreDeleted) {
    const auto now = std::chrono::system_clock::now();
    const auto old_row = new_ksuid();
    const auto recent_row = new_ksuid();
    plant(old_row, now - std::chrono::hours(24 * 100));
    plant(recent_row, now - std::chrono::hours(24 * 10));

    ApiServer forever(SharedDatabase{server()}, {"--audit-retention", "0"});
    EXPECT_TRUE(exists(old_row));
    EXPECT_TRUE(exists(recent_row));

    ApiServer by_default(SharedDatabase{server()});  // 90 days
    EXPECT_FALSE(exists(old_row));
    EXPECT_TRUE(exists(recent_row));

    ApiServer week(SharedDatabase{server()}, {"--audit-retention", "7d"});
    EXPECT_FALSE(exists(recent_row));
    EXPECT_EQ(week.client().get(api_path("/audit_events")).status, 200);

    auto refused = run_process(binary_dir() / "ambient-api-server",
                               {"serve", "--api-server-bindaddress", "127.0.0.1:0", "--data-dir",
                                server().data_dir().string(), "--audit-retention", "90x"});
    EXPECT_NE(refused.exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditFlood, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, AuditRetention, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
