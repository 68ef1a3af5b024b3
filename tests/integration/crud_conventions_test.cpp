// The REST conventions every kind shares, checked for every kind on both databases:
// authentication, 404 bodies, create/get/patch/delete, strict create bodies, paging,
// search by id, and the events rows each change writes.
#include <gtest/gtest.h>

#include <functional>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

struct KindCase {
    std::string kind;    // "Project"
    std::string path;    // "projects"
    std::string source;  // events.source
    // A valid create body, distinct for each i; may create what it refers to first.
    std::function<json(HttpClient&, int)> make;
    std::string required_key;  // a key whose absence is a 400
};

std::string role_id(HttpClient& http, const std::string& name) {
    auto r = http.get("/api/ambient/v1/roles?search=" + url_encode("name = '" + name + "'"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["items"][0]["id"];
}

std::vector<KindCase> kind_cases() {
    return {
        {"Project", "projects", "Projects",
         [](HttpClient&, int i) {
             return json{{"name", "proj-" + std::to_string(i)}};
         },
         "name"},
        {"ProjectSettings", "project_settings", "ProjectSettings",
         [](HttpClient& http, int i) {
             const auto project = "settings-" + std::to_string(i);
             auto r = http.post("/api/ambient/v1/projects", json{{"name", project}}.dump());
             EXPECT_EQ(r.status, 201) << r.body;
             return json{{"project_id", project}, {"repositories", "[]"}};
         },
         "project_id"},
        {"User", "users", "Users",
         [](HttpClient&, int i) {
             return json{{"username", "user-" + std::to_string(i)}, {"name", "User " + std::to_string(i)}};
         },
         "username"},
        {"Role", "roles", "Roles",
         [](HttpClient&, int i) {
             return json{{"name", "custom:role-" + std::to_string(i)}, {"permissions", R"(["project:read"])"}};
         },
         "name"},
        {"RoleBinding", "role_bindings", "RoleBindings",
         [](HttpClient& http, int i) {
             return json{{"role_id", role_id(http, "project:viewer")},
                         {"scope", "global"},
                         {"user_id", "user-" + std::to_string(i)}};
         },
         "role_id"},
        {"Session", "sessions", "Sessions",
         [](HttpClient& http, int i) {
             http.post("/api/ambient/v1/projects", R"({"name":"conventions"})");  // 201 once, then 409
             return json{{"name", "session-" + std::to_string(i)}, {"project_id", "conventions"}};
         },
         "name"},
    };
}

class CrudConventions : public ::testing::TestWithParam<std::tuple<Backend, KindCase>> {
protected:
    void SetUp() override {
        server_ = std::make_unique<ApiServer>(std::get<0>(GetParam()));
        http_.emplace(server_->client());
    }
    const KindCase& kind() const { return std::get<1>(GetParam()); }
    std::string collection() const { return "/api/ambient/v1/" + kind().path; }
    HttpResult create(int i) {
        auto body = kind().make(*http_, i);
        return http_->post(collection(), body.dump());
    }
    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> http_;
};

TEST_P(CrudConventions, RequestsWithoutAValidTokenAre401) {
    auto anonymous = server_->client(false);
    for (const auto& [method, target] :
         std::vector<std::pair<std::string, std::string>>{{"GET", collection()},
                                                          {"POST", collection()},
                                                          {"GET", collection() + "/x"},
                                                          {"PATCH", collection() + "/x"},
                                                          {"DELETE", collection() + "/x"}}) {
        auto r = anonymous.request(method, target, "{}");
        EXPECT_EQ(r.status, 401) << method << " " << target;
        EXPECT_EQ(r.json()["code"], "ambient-api-server-15");
    }
    auto wrong = server_->client(false);
    wrong.set_bearer("not-the-token");
    EXPECT_EQ(wrong.get(collection()).status, 401);
}

TEST_P(CrudConventions, UnknownIdIs404WithUpstreamsReason) {
    auto r = http_->get(collection() + "/nope");
    EXPECT_EQ(r.status, 404);
    auto body = r.json();
    EXPECT_EQ(body["kind"], "Error");
    EXPECT_EQ(body["id"], "7");
    EXPECT_EQ(body["href"], "/api/ambient/v1/errors/7");
    EXPECT_EQ(body["code"], "ambient-api-server-7");
    EXPECT_EQ(body["reason"], kind().kind + " with id='nope' not found");
    EXPECT_EQ(body["operation_id"], r.headers["X-Operation-ID"]);
    EXPECT_EQ(http_->patch(collection() + "/nope", "{}").status, 404);
    EXPECT_EQ(http_->del(collection() + "/nope").status, 404);
}

TEST_P(CrudConventions, CreateReturns201WithIdKindAndHref) {
    auto r = create(1);
    ASSERT_EQ(r.status, 201) << r.body;
    auto body = r.json();
    const std::string id = body["id"];
    EXPECT_FALSE(id.empty());
    EXPECT_EQ(body["kind"], kind().kind);
    EXPECT_EQ(body["href"], collection() + "/" + id);
    EXPECT_FALSE(body["created_at"].get<std::string>().empty());
    EXPECT_EQ(body["created_at"], body["updated_at"]);

    auto got = http_->get(collection() + "/" + id);
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.json(), body);
}

TEST_P(CrudConventions, CreateBodiesAreStrict) {
    EXPECT_EQ(http_->post(collection(), "{ this is invalid }").status, 400);
    EXPECT_EQ(http_->post(collection(), "").status, 400);
    EXPECT_EQ(http_->post(collection(), "[]").status, 400);

    auto body = kind().make(*http_, 2);
    auto unknown = body;
    unknown["no_such_field"] = "x";
    auto r = http_->post(collection(), unknown.dump());
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.json()["reason"].get<std::string>().find("no_such_field"), std::string::npos);

    auto with_id = body;
    with_id["id"] = "chosen-by-client";
    r = http_->post(collection(), with_id.dump());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["reason"], "id must be empty");

    auto missing = body;
    missing.erase(kind().required_key);
    EXPECT_EQ(http_->post(collection(), missing.dump()).status, 400);

    // Nothing of the refused bodies was stored.
    EXPECT_EQ(http_->post(collection(), body.dump()).status, 201);
}

TEST_P(CrudConventions, EmptyPatchKeepsIdAndCreatedAt) {
    auto created = create(3).json();
    const std::string id = created["id"];
    auto r = http_->patch(collection() + "/" + id, "{}");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["id"], id);
    EXPECT_EQ(r.json()["created_at"], created["created_at"]);
    EXPECT_EQ(http_->patch(collection() + "/" + id, "{ nope").status, 400);
    EXPECT_EQ(http_->patch(collection() + "/" + id, R"({"ignored_key": 1})").status, 200);
}

TEST_P(CrudConventions, TwentyObjectsPageAsUpstreamSays) {
    // Roles and bindings start with rows of their own; count only what this test made.
    auto before = http_->get(collection()).json()["total"].get<int>();
    for (int i = 0; i < 20; ++i)
        ASSERT_EQ(create(100 + i).status, 201);

    auto all = http_->get(collection()).json();
    EXPECT_EQ(all["kind"], kind().kind + "List");
    EXPECT_EQ(all["page"], 1);
    EXPECT_EQ(all["size"], before + 20);
    EXPECT_EQ(all["total"], before + 20);
    EXPECT_EQ(all["items"].size(), before + 20u);

    auto page2 = http_->get(collection() + "?page=2&size=5").json();
    EXPECT_EQ(page2["items"].size(), 5u);
    EXPECT_EQ(page2["size"], 5);
    EXPECT_EQ(page2["total"], before + 20);
    EXPECT_EQ(page2["page"], 2);

    auto beyond = http_->get(collection() + "?page=100&size=5").json();
    EXPECT_EQ(beyond["items"].size(), 0u);
    EXPECT_EQ(beyond["size"], 0);
    EXPECT_EQ(beyond["total"], before + 20);
}

TEST_P(CrudConventions, SearchByIdFindsExactlyOne) {
    std::string id;
    for (int i = 0; i < 3; ++i)
        id = create(200 + i).json()["id"];
    auto r = http_->get(collection() + "?search=" + url_encode("id in ('" + id + "')"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["total"], 1);
    EXPECT_EQ(r.json()["items"][0]["id"], id);
}

TEST_P(CrudConventions, DeleteIs204ThenTheObjectIsGone) {
    const std::string id = create(4).json()["id"];
    auto r = http_->del(collection() + "/" + id);
    EXPECT_EQ(r.status, 204);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(http_->get(collection() + "/" + id).status, 404);
    EXPECT_EQ(http_->del(collection() + "/" + id).status, 404);
    auto search = http_->get(collection() + "?search=" + url_encode("id = '" + id + "'")).json();
    EXPECT_EQ(search["total"], 0);
}

TEST_P(CrudConventions, EveryChangeWritesAnEventRow) {
    const std::string id = create(5).json()["id"];
    ASSERT_EQ(http_->patch(collection() + "/" + id, "{}").status, 200);

    auto db = server_->open_database();
    auto events = [&] {
        auto lease = db->acquire();
        return lease->exec("SELECT event_type, object FROM events WHERE source = ? AND source_id = ? ORDER BY id",
                           {kind().source, id});
    };
    auto rs = events();
    ASSERT_EQ(rs.rows.size(), 2u);
    EXPECT_EQ(std::get<std::string>(rs.rows[0][0]), "Create");
    EXPECT_EQ(std::get<std::string>(rs.rows[1][0]), "Update");
    // Creates and updates carry the object as of the change.
    EXPECT_EQ(json::parse(std::get<std::string>(rs.rows[0][1]))["id"], id);
    EXPECT_EQ(json::parse(std::get<std::string>(rs.rows[1][1]))["id"], id);

    ASSERT_EQ(http_->del(collection() + "/" + id).status, 204);
    rs = events();
    ASSERT_EQ(rs.rows.size(), 3u);
    EXPECT_EQ(std::get<std::string>(rs.rows[2][0]), "Delete");
    // A delete carries no object, and seals the earlier ones: the deleted object's fields
    // leave the history with it.
    for (const auto& row : rs.rows)
        EXPECT_TRUE(store::is_null(row[1])) << std::get<std::string>(row[0]);
}

TEST_P(CrudConventions, FieldsProjectsTheItems) {
    create(6);
    auto r = http_->get(collection() + "?fields=created_at");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = r.json();
    ASSERT_FALSE(body["items"].empty());
    for (const auto& item : body["items"]) {
        EXPECT_TRUE(item.contains("id"));
        EXPECT_TRUE(item.contains("created_at"));
        EXPECT_FALSE(item.contains("kind"));
    }
    EXPECT_EQ(http_->get(collection() + "?fields=no_such_field").status, 400);
}

TEST_P(CrudConventions, HostileSearchAndOrderAre400) {
    create(7);
    for (const std::string q : {"x' OR 1=1--", "name = 'a'; DROP TABLE projects", "no_such_column = 'a'", "id ="}) {
        auto r = http_->get(collection() + "?search=" + url_encode(q));
        EXPECT_EQ(r.status, 400) << q;
        EXPECT_EQ(r.json()["kind"], "Error");
    }
    EXPECT_EQ(http_->get(collection() + "?orderBy=" + url_encode("id; DROP TABLE x")).status, 400);
    EXPECT_EQ(http_->get(collection() + "?orderBy=" + url_encode("id sideways")).status, 400);
    EXPECT_EQ(http_->get(collection() + "?orderBy=" + url_encode("created_at desc")).status, 200);
    EXPECT_EQ(http_->get(collection() + "?page=abc").status, 400);
    // The table is still there.
    EXPECT_EQ(http_->get(collection()).status, 200);
}

std::string case_name(const ::testing::TestParamInfo<std::tuple<Backend, KindCase>>& info) {
    return (std::get<0>(info.param) == Backend::Sqlite ? "Sqlite_" : "Postgres_") + std::get<1>(info.param).kind;
}

INSTANTIATE_TEST_SUITE_P(AllKinds, CrudConventions,
                         ::testing::Combine(::testing::Values(Backend::Sqlite, Backend::Postgres),
                                            ::testing::ValuesIn(kind_cases())),
                         case_name);

}  // namespace
}  // namespace ambient::testing
