// Audit events on both databases: one record per credential token read and per credential
// create, update and delete, written in the same transaction; never the token; a token read
// that cannot be audited fails without the token; the read-only /audit_events collection.
// The denied-read tests at the end need the RBAC middleware.
#include <gtest/gtest.h>

#include <fstream>

#include "common/jwt/jwt.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kCredentials = "/api/ambient/v1/credentials";
constexpr const char* kAudit = "/api/ambient/v1/audit_events";
// Distinct, easy to find anywhere they must not be.
constexpr const char* kSecret = "ghp_AuditSecretValue4kQz81";
constexpr const char* kRotated = "ghp_AuditRotatedValue7mWp55";

std::string credential(const std::string& id) {
    return std::string(kCredentials) + "/" + id;
}
std::string token_of(const std::string& id) {
    return credential(id) + "/token";
}
std::string audit_search(const std::string& expression, const std::string& extra = "") {
    return std::string(kAudit) + "?search=" + url_encode(expression) + extra;
}

// Every cell of a row as text, for scanning.
std::string cell_text(const store::SqlValue& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
    if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    return {};
}

class Audit : public ApiTest {
protected:
    std::string create(const std::string& name, const std::string& token = kSecret,
                       const std::string& collection = kCredentials) {
        auto r = http().post(collection, json{{"name", name}, {"provider", "github"}, {"token", token}}.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json().value("id", "");
    }
    // Every audit event, newest first.
    json all_events() {
        auto r = http().get(std::string(kAudit) + "?size=1000");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json()["items"];
    }
    std::vector<json> events_where(const std::string& action, const std::string& target_id) {
        std::vector<json> out;
        for (const auto& e : all_events()) {
            if (e.value("action", "") == action && e.value("target_id", "") == target_id) out.push_back(e);
        }
        return out;
    }
    void exec_sql(const std::string& sql) {
        auto db = server_->open_database();
        auto lease = db->acquire();
        lease->exec(sql);
    }
};

TEST_P(Audit, EachTokenReadWritesOneAllowedRecord) {
    const auto id = create("gh");
    for (int i = 0; i < 3; ++i) {
        auto r = http().get(token_of(id));
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.json()["token"], kSecret);
    }
    const auto reads = events_where("fetch_token", id);
    ASSERT_EQ(reads.size(), 3u);
    for (const auto& e : reads) {
        EXPECT_EQ(e["kind"], "AuditEvent");
        EXPECT_EQ(e["href"], std::string(kAudit) + "/" + e["id"].get<std::string>());
        EXPECT_EQ(e["actor"], "ambient-service");
        EXPECT_EQ(e["actor_kind"], "service");
        EXPECT_EQ(e["outcome"], "allowed");
        EXPECT_EQ(e["target_kind"], "credential");
        EXPECT_EQ(e["target_id"], id);
        EXPECT_FALSE(e.contains("session_id"));  // only runners have one
        EXPECT_FALSE(e.contains("reason"));      // only refusals have one
    }
    // A read of a credential that does not exist reads no token and records nothing.
    EXPECT_EQ(http().get(token_of("nope")).status, 404);
    EXPECT_TRUE(events_where("fetch_token", "nope").empty());
}

TEST_P(Audit, ProjectTokenReadsAreAuditedToo) {
    ASSERT_EQ(http().post("/api/ambient/v1/projects", R"({"name":"auditp"})").status, 201);
    const std::string nested = "/api/ambient/v1/projects/auditp/credentials";
    const auto id = create("pc", kSecret, nested);
    auto r = http().get(nested + "/" + id + "/token");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["token"], kSecret);
    EXPECT_EQ(events_where("fetch_token", id).size(), 1u);
    EXPECT_EQ(events_where("create", id).size(), 1u);
}

TEST_P(Audit, CreateUpdateAndDeleteEachWriteOneRecord) {
    const auto id = create("crud");
    EXPECT_EQ(events_where("create", id).size(), 1u);
    EXPECT_TRUE(events_where("update", id).empty());

    ASSERT_EQ(http().patch(credential(id), json{{"description", "changed"}}.dump()).status, 200);
    ASSERT_EQ(http().patch(credential(id), json{{"token", kRotated}}.dump()).status, 200);
    EXPECT_EQ(events_where("update", id).size(), 2u);

    ASSERT_EQ(http().del(credential(id)).status, 204);
    const auto deletes = events_where("delete", id);
    ASSERT_EQ(deletes.size(), 1u);
    EXPECT_EQ(deletes[0]["actor"], "ambient-service");
    EXPECT_EQ(deletes[0]["actor_kind"], "service");
    EXPECT_EQ(deletes[0]["outcome"], "allowed");
    EXPECT_EQ(deletes[0]["target_kind"], "credential");

    // Refused writes change nothing and record nothing.
    EXPECT_EQ(http().patch(credential(id), "{}").status, 404);
    EXPECT_EQ(http().del(credential(id)).status, 404);
    EXPECT_EQ(http().post(kCredentials, R"({"name":"x"})").status, 400);
    EXPECT_EQ(all_events().size(), 4u);
}

TEST_P(Audit, NoAuditRecordHoldsTheToken) {
    const auto id = create("secretive");
    ASSERT_EQ(http().get(token_of(id)).status, 200);
    ASSERT_EQ(http().patch(credential(id), json{{"token", kRotated}}.dump()).status, 200);
    ASSERT_EQ(http().get(token_of(id)).json()["token"], kRotated);
    ASSERT_EQ(http().del(credential(id)).status, 204);

    // Through the API: the raw body, and every value of every item.
    auto r = http().get(std::string(kAudit) + "?size=1000");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body.find(kSecret), std::string::npos);
    EXPECT_EQ(r.body.find(kRotated), std::string::npos);
    const auto items = r.json()["items"];
    EXPECT_EQ(items.size(), 5u);
    for (const auto& e : items) {
        for (const auto& [key, value] : e.items()) {
            const auto text = value.is_string() ? value.get<std::string>() : value.dump();
            EXPECT_EQ(text.find(kSecret), std::string::npos) << key;
            EXPECT_EQ(text.find(kRotated), std::string::npos) << key;
        }
        auto one = http().get(e["href"].get<std::string>());
        EXPECT_EQ(one.status, 200);
        EXPECT_EQ(one.body.find(kSecret), std::string::npos);
    }

    // In the database: every column of every row.
    auto db = server_->open_database();
    auto lease = db->acquire();
    const auto rs = lease->exec("SELECT * FROM audit_events");
    EXPECT_EQ(rs.rows.size(), 5u);
    EXPECT_EQ(rs.columns.size(), 12u);
    for (const auto& row : rs.rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            const auto text = cell_text(row[c]);
            EXPECT_EQ(text.find(kSecret), std::string::npos) << rs.columns[c];
            EXPECT_EQ(text.find(kRotated), std::string::npos) << rs.columns[c];
        }
    }
    // Audit records are not objects anyone watches: no events rows, so no watch streams.
    const auto events = lease->exec("SELECT COUNT(*) FROM events WHERE source = ?", {std::string("AuditEvents")});
    EXPECT_EQ(std::get<std::int64_t>(events.rows.at(0).at(0)), 0);
}

TEST_P(Audit, TokenReadFailsClosedWhenTheAuditCannotBeWritten) {
    const auto id = create("closed");
    exec_sql("ALTER TABLE audit_events RENAME TO audit_events_offline");

    auto r = http().get(token_of(id));
    EXPECT_TRUE(r.status == 500 || r.status == 503) << r.status << " " << r.body;
    EXPECT_EQ(r.body.find(kSecret), std::string::npos);
    const auto body = r.json();
    EXPECT_EQ(body["kind"], "Error");
    EXPECT_EQ(body["code"], "ambient-api-server-9");
    EXPECT_FALSE(body.contains("token"));

    // The project route fails the same way.
    ASSERT_EQ(http().post("/api/ambient/v1/projects", R"({"name":"closedp"})").status, 201);
    // Credential writes are audited too: with the table gone they fail and change nothing.
    auto created = http().post("/api/ambient/v1/projects/closedp/credentials",
                               json{{"name", "n"}, {"provider", "github"}, {"token", kSecret}}.dump());
    EXPECT_TRUE(created.status == 500 || created.status == 503) << created.body;
    EXPECT_EQ(created.body.find(kSecret), std::string::npos);
    auto patched = http().patch(credential(id), json{{"description", "x"}}.dump());
    EXPECT_TRUE(patched.status == 500 || patched.status == 503) << patched.body;
    EXPECT_TRUE(http().del(credential(id)).status >= 500);

    exec_sql("ALTER TABLE audit_events_offline RENAME TO audit_events");

    EXPECT_EQ(http().get(credential(id)).json().value("description", ""), "");  // the patch rolled back
    EXPECT_EQ(http().get("/api/ambient/v1/projects/closedp/credentials").json()["total"], 0);
    auto again = http().get(token_of(id));
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json()["token"], kSecret);
    // Only the create and the read that succeeded were recorded.
    const auto events = all_events();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0]["action"], "fetch_token");  // newest first
    EXPECT_EQ(events[1]["action"], "create");
}

TEST_P(Audit, ListPagesSearchesAndOrdersNewestFirst) {
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        ids.push_back(create("c" + std::to_string(i)));
        ASSERT_EQ(http().get(token_of(ids.back())).status, 200);
    }
    auto all = http().get(kAudit).json();
    EXPECT_EQ(all["kind"], "AuditEventList");
    EXPECT_EQ(all["page"], 1);
    EXPECT_EQ(all["total"], 6);
    ASSERT_EQ(all["items"].size(), 6u);
    // Newest first by default: the last thing done was reading the last credential's token.
    EXPECT_EQ(all["items"][0]["action"], "fetch_token");
    EXPECT_EQ(all["items"][0]["target_id"], ids.back());
    EXPECT_EQ(all["items"][5]["action"], "create");
    EXPECT_EQ(all["items"][5]["target_id"], ids.front());
    for (std::size_t i = 1; i < all["items"].size(); ++i) {
        EXPECT_GE(all["items"][i - 1]["created_at"].get<std::string>(),
                  all["items"][i]["created_at"].get<std::string>());
    }
    // orderBy overrides the default.
    auto oldest = http().get(std::string(kAudit) + "?orderBy=" + url_encode("created_at asc")).json();
    EXPECT_EQ(oldest["items"][0]["action"], "create");
    EXPECT_EQ(oldest["items"][0]["target_id"], ids.front());

    auto reads = http().get(audit_search("action = 'fetch_token'"));
    ASSERT_EQ(reads.status, 200) << reads.body;
    EXPECT_EQ(reads.json()["total"], 3);
    // The body outlives the loop (a member of a temporary would not).
    const auto read_items = reads.json()["items"];
    for (const auto& e : read_items)
        EXPECT_EQ(e["action"], "fetch_token");
    auto one = http().get(audit_search("action = 'fetch_token' and target_id = '" + ids[1] + "'")).json();
    EXPECT_EQ(one["total"], 1);

    auto page2 = http().get(audit_search("outcome = 'allowed'", "&page=2&size=4")).json();
    EXPECT_EQ(page2["page"], 2);
    EXPECT_EQ(page2["size"], 2);
    EXPECT_EQ(page2["total"], 6);
    EXPECT_EQ(page2["items"].size(), 2u);

    auto fields = http().get(std::string(kAudit) + "?fields=id,action").json();
    EXPECT_EQ(fields["items"][0].size(), 2u);

    // The standard errors: a search over a column that does not exist, a bad orderBy.
    auto bad = http().get(audit_search("token = 'x'"));
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(http().get(std::string(kAudit) + "?orderBy=nope").status, 400);
    // Nothing to watch.
    EXPECT_EQ(http().get(std::string(kAudit) + "?watch=true").status, 400);
}

TEST_P(Audit, GetByIdAndNoWriteRoutes) {
    const auto id = create("one");
    const auto events = all_events();
    ASSERT_EQ(events.size(), 1u);
    const std::string event_id = events[0]["id"];
    EXPECT_EQ(event_id.size(), 27u);
    auto r = http().get(std::string(kAudit) + "/" + event_id);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), events[0]);
    EXPECT_EQ(r.json()["target_id"], id);
    EXPECT_EQ(r.json()["action"], "create");

    auto missing = http().get(std::string(kAudit) + "/x");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.json()["code"], "ambient-api-server-7");
    EXPECT_EQ(missing.json()["reason"], "AuditEvent with id='x' not found");

    // Records cannot be made, changed or removed through the API.
    EXPECT_EQ(http().post(kAudit, R"({"actor":"me","action":"create"})").status, 405);
    EXPECT_EQ(http().patch(std::string(kAudit) + "/" + event_id, R"({"outcome":"denied"})").status, 405);
    EXPECT_EQ(http().del(std::string(kAudit) + "/" + event_id).status, 405);
    EXPECT_EQ(all_events().size(), 1u);

    auto anonymous = server_->client(false);
    EXPECT_EQ(anonymous.get(kAudit).status, 401);
    EXPECT_EQ(anonymous.get(std::string(kAudit) + "/" + event_id).status, 401);

    // Listed among the collections and in the OpenAPI document.
    auto doc = http().get("/api/ambient/v1/openapi").json();
    EXPECT_TRUE(doc["components"]["schemas"].contains("AuditEvent"));
    EXPECT_TRUE(doc["paths"].contains("/api/ambient/v1/audit_events/{id}"));
    EXPECT_FALSE(doc["paths"]["/api/ambient/v1/audit_events"].contains("post"));
}

INSTANTIATE_TEST_SUITE_P(Backends, Audit, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

// Refused token reads, recorded by the RBAC middleware. These need a server that accepts
// user tokens (a JWKS file of the test's own key).
constexpr const char* kIssuer = "https://sso.test/realms/ambient";
constexpr const char* kAudience = "ambient-api";

class AuditDenied : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        const auto jwks = dir_.path() / "jwks.json";
        std::ofstream(jwks) << json{{"keys", {jwt::public_jwk(key_.get(), jwt::Algorithm::ES256, "k1")}}}.dump();
        server_ = std::make_unique<ApiServer>(
            GetParam(), std::vector<std::string>{"--jwk-cert-file", jwks.string(), "--oidc-issuer", kIssuer,
                                                 "--oidc-audience", kAudience});
        admin_.emplace(server_->client());
    }
    HttpClient as_user(const std::string& username) {
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        const json claims = {{"preferred_username", username},
                             {"sub", "sub-" + username},
                             {"iss", kIssuer},
                             {"aud", kAudience},
                             {"iat", now},
                             {"exp", now + 600}};
        auto c = server_->client(false);
        c.set_bearer(jwt::sign(claims, key_.get(), jwt::Algorithm::ES256, "k1"));
        return c;
    }
    std::string role_id(const std::string& name) {
        auto r = admin_->get("/api/ambient/v1/roles?search=" + url_encode("name = '" + name + "'")).json();
        EXPECT_EQ(r["total"], 1) << name;
        return r["items"].empty() ? "" : r["items"][0].value("id", "");
    }

    TempDir dir_;
    jwt::PkeyPtr key_ = jwt::generate_key(jwt::Algorithm::ES256);
    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> admin_;
};

TEST_P(AuditDenied, ViewerReadingTheTokenIs403AndRecordedAsDenied) {
    auto created = admin_->post(kCredentials, json{{"name", "gh"}, {"provider", "github"}, {"token", kSecret}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = created.json()["id"];
    auto binding = admin_->post("/api/ambient/v1/role_bindings", json{{"role_id", role_id("credential:viewer")},
                                                                      {"scope", "credential"},
                                                                      {"credential_id", id},
                                                                      {"user_id", "bob"}}
                                                                     .dump());
    ASSERT_EQ(binding.status, 201) << binding.body;

    auto bob = as_user("bob");
    ASSERT_EQ(bob.get(credential(id)).status, 200);  // a viewer sees the credential...
    auto r = bob.get(token_of(id));                  // ...but may not read its token
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.body.find(kSecret), std::string::npos);

    auto events = admin_->get(audit_search("action = 'fetch_token' and target_id = '" + id + "'"));
    ASSERT_EQ(events.status, 200) << events.body;
    ASSERT_EQ(events.json()["total"], 1);
    const auto e = events.json()["items"][0];
    EXPECT_EQ(e["actor"], "bob");
    EXPECT_EQ(e["actor_kind"], "user");
    EXPECT_EQ(e["outcome"], "denied");
    EXPECT_EQ(e["target_kind"], "credential");
    EXPECT_EQ(events.body.find(kSecret), std::string::npos);

    // Audit events are for platform admins only.
    EXPECT_EQ(bob.get(kAudit).status, 403);
    EXPECT_EQ(bob.get(std::string(kAudit) + "/" + e["id"].get<std::string>()).status, 403);
}

TEST_P(AuditDenied, TokenReaderReadingTheTokenIsRecordedAsAllowed) {
    auto created = admin_->post(kCredentials, json{{"name", "gh"}, {"provider", "github"}, {"token", kSecret}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = created.json()["id"];
    ASSERT_EQ(admin_
                  ->post("/api/ambient/v1/role_bindings", json{{"role_id", role_id("credential:token-reader")},
                                                               {"scope", "credential"},
                                                               {"credential_id", id},
                                                               {"user_id", "carol"}}
                                                              .dump())
                  .status,
              201);
    auto r = as_user("carol").get(token_of(id));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["token"], kSecret);
    auto events = admin_->get(audit_search("action = 'fetch_token' and target_id = '" + id + "'")).json();
    ASSERT_EQ(events["total"], 1);
    EXPECT_EQ(events["items"][0]["actor"], "carol");
    EXPECT_EQ(events["items"][0]["actor_kind"], "user");
    EXPECT_EQ(events["items"][0]["outcome"], "allowed");
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditDenied, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
