// POST /sessions/{id}/clone and GET /sessions/{id}/export against the real server, on both
// databases: what a clone copies and what it leaves behind, who may clone (session:create in
// the source's project) and export (session:read and session_message:read), and an export
// of a conversation longer than one page, streamed, whole and in order.
#include <gtest/gtest.h>

#include <fstream>

#include "api/builtin_roles.hpp"
#include "api/session_message_store.hpp"
#include "common/jwt/jwt.hpp"
#include "common/ksuid.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kIssuer = "https://sso.test/realms/ambient";
constexpr const char* kAudience = "ambient-api";
const std::string kApi = "/api/ambient/v1";

class CloneExport : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        const auto jwks = dir_.path() / "jwks.json";
        std::ofstream(jwks) << json{{"keys", {jwt::public_jwk(key_.get(), jwt::Algorithm::ES256, "k")}}}.dump();
        server_ = std::make_unique<ApiServer>(
            GetParam(), std::vector<std::string>{"--jwk-cert-file", jwks.string(), "--oidc-issuer", kIssuer,
                                                 "--oidc-audience", kAudience});
        service_.emplace(server_->client());
        ASSERT_EQ(service().post(kApi + "/projects", R"({"name":"proj"})").status, 201);
        bind("editor", "project:editor", {{"scope", "project"}, {"project_id", "proj"}});
        bind("viewer", "project:viewer", {{"scope", "project"}, {"project_id", "proj"}});
        bind("watcher", "platform:viewer", {{"scope", "global"}});
    }

    HttpClient& service() { return *service_; }

    // A client signed in as `user`.
    HttpClient as(const std::string& user) {
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        const json claims = {
            {"preferred_username", user}, {"iss", kIssuer}, {"aud", kAudience}, {"iat", now}, {"exp", now + 3600}};
        auto c = server_->client(false);
        c.set_bearer(jwt::sign(claims, key_.get(), jwt::Algorithm::ES256, "k"));
        return c;
    }

    void bind(const std::string& user, const std::string& role, json where) {
        where["role_id"] = api::builtin_role_id(role);
        where["user_id"] = user;
        auto r = service().post(kApi + "/role_bindings", where.dump());
        ASSERT_EQ(r.status, 201) << r.body;
    }

    json create_session(json body) {
        if (!body.contains("project_id")) body["project_id"] = "proj";
        auto r = service().post(kApi + "/sessions", body.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json();
    }

    static std::string session_path(const std::string& id, const std::string& rest = "") {
        return kApi + "/sessions/" + id + rest;
    }

    HttpResult clone(HttpClient& client, const std::string& id, const std::string& body = "") {
        return client.post(session_path(id, "/clone"), body);
    }

    std::int64_t sessions_in_project() {
        return service().get(kApi + "/sessions?project_id=proj&size=0").json()["total"].get<std::int64_t>();
    }

    // Appends messages straight to the database: a conversation of thousands of messages
    // in one transaction instead of thousands of requests.
    void append_messages(const std::vector<std::pair<std::string, std::string>>& messages) {
        auto db = server_->open_database();
        auto lease = db->acquire();
        store::Transaction tx(lease, store::TxMode::Write);
        for (const auto& [session, payload] : messages)
            api::append_message(*lease, session, "assistant", payload);
        tx.commit();
    }

    TempDir dir_;
    jwt::PkeyPtr key_ = jwt::generate_key(jwt::Algorithm::ES256);
    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> service_;
};

// ---- clone ---------------------------------------------------------------------------

// Every field a create sets, with a value unlike any default.
const json kSettings = {{"repo_url", "https://github.com/example/repo"},
                        {"workflow_id", "wf-1"},
                        {"repos", R"([{"url":"https://github.com/example/repo","branch":"main"}])"},
                        {"timeout", 900},
                        {"llm_model", "claude-opus-4"},
                        {"llm_temperature", 0.25},
                        {"llm_max_tokens", 12345},
                        {"bot_account_name", "bot-1"},
                        {"resource_overrides", R"({"cpu":"2"})"},
                        {"environment_variables", R"({"MODE":"fast"})"},
                        {"labels", R"({"team":"a"})"},
                        {"annotations", R"({"note":"x"})"},
                        {"assigned_user_id", "someone"}};

TEST_P(CloneExport, CloneCopiesTheSettingsButNotTheConversationNorTheRun) {
    auto agent = service().post(kApi + "/projects/proj/agents", R"({"name":"helper"})");
    ASSERT_EQ(agent.status, 201) << agent.body;
    json body = kSettings;
    body["name"] = "original";
    body["prompt"] = "do the thing";
    body["agent_id"] = agent.json()["id"];
    const auto source = create_session(body);
    const std::string id = source["id"];
    ASSERT_EQ(service().post(session_path(id, "/start"), "").status, 200);
    ASSERT_EQ(service()
                  .patch(session_path(id, "/status"), json{{"phase", "Running"},
                                                           {"start_time", "2026-11-28T10:00:00Z"},
                                                           {"sdk_session_id", "sdk-1"},
                                                           {"sdk_restart_count", 2},
                                                           {"conditions", "[]"},
                                                           {"kube_namespace", "ns"},
                                                           {"kube_cr_uid", "uid-1"},
                                                           {"runner_url", "http://127.0.0.1:9"}}
                                                          .dump())
                  .status,
              200);
    append_messages({{id, "an answer"}});

    auto editor = as("editor");
    auto r = clone(editor, id);
    ASSERT_EQ(r.status, 201) << r.body;
    const auto copy = r.json();
    EXPECT_EQ(copy["kind"], "Session");
    EXPECT_NE(copy["id"], id);
    EXPECT_EQ(copy["href"], session_path(copy["id"]));
    EXPECT_NE(copy["kube_cr_name"], source["kube_cr_name"]);
    EXPECT_EQ(copy["name"], "original-clone");
    EXPECT_EQ(copy["project_id"], "proj");
    EXPECT_EQ(copy["agent_id"], agent.json()["id"]);
    EXPECT_EQ(copy["parent_session_id"], id);
    EXPECT_EQ(copy["created_by_user_id"], "editor");
    for (const auto& [field, value] : kSettings.items())
        EXPECT_EQ(copy[field], value) << field;
    // Upstream's clone leaves the prompt behind: the clone starts with an empty conversation.
    EXPECT_FALSE(copy.contains("prompt"));
    for (const char* status : {"phase", "start_time", "completion_time", "sdk_session_id", "sdk_restart_count",
                               "conditions", "kube_namespace", "kube_cr_uid", "runner_url"}) {
        EXPECT_FALSE(copy.contains(status)) << status;
    }
    EXPECT_EQ(service().get(session_path(copy["id"], "/messages")).json(), json::array());
    // What GET answers is what the clone answered.
    EXPECT_EQ(service().get(session_path(copy["id"])).json(), copy);
    // A clone can start at once (none → Pending), as a new session would.
    EXPECT_EQ(service().post(session_path(copy["id"], "/start"), "").json()["phase"], "Pending");
    // The source is as it was.
    EXPECT_EQ(service().get(session_path(id, "/messages")).json().size(), 2u);
    EXPECT_EQ(service().get(session_path(id)).json()["phase"], "Running");
}

TEST_P(CloneExport, CloneTakesAnOptionalNameAndNothingElse) {
    const std::string id = create_session({{"name", "src"}})["id"];
    auto named = clone(service(), id, R"({"name":"second try"})");
    ASSERT_EQ(named.status, 201) << named.body;
    EXPECT_EQ(named.json()["name"], "second try");
    // Session names are not unique: cloning twice gives two sessions of the same name.
    EXPECT_EQ(clone(service(), id, "{}").json()["name"], "src-clone");
    EXPECT_EQ(clone(service(), id, R"({"name":null})").json()["name"], "src-clone");
    const auto before = sessions_in_project();
    for (const char* bad : {R"({"name":5})", R"({"name":""})", R"({"project_id":"proj"})", "[]", "not json"}) {
        EXPECT_EQ(clone(service(), id, bad).status, 400) << bad;
    }
    EXPECT_EQ(sessions_in_project(), before);
}

TEST_P(CloneExport, CloneNeedsSessionCreateInTheSourcesProject) {
    const std::string id = create_session({{"name", "src"}})["id"];
    auto viewer = as("viewer");
    auto watcher = as("watcher");
    auto outsider = as("outsider");
    const auto before = sessions_in_project();
    // They see the session (it is in a project they read) but may not create there.
    EXPECT_EQ(clone(viewer, id).status, 403);
    EXPECT_EQ(clone(watcher, id).status, 403);
    // Who cannot see it is refused as for a session that does not exist: a write, so 403.
    const auto outside = clone(outsider, id);
    EXPECT_EQ(outside.status, 403) << outside.body;
    const auto missing = clone(outsider, new_ksuid());
    EXPECT_EQ(missing.status, 403) << missing.body;
    EXPECT_EQ(sessions_in_project(), before);

    // A session-scoped grant of session:create (project:editor bound to the session alone)
    // passes the route's check on the source, but a clone is a create in the project.
    bind("narrow", "project:editor", {{"scope", "session"}, {"session_id", id}});
    auto narrow = as("narrow");
    EXPECT_EQ(narrow.get(session_path(id)).status, 200);
    EXPECT_EQ(clone(narrow, id).status, 403);
    EXPECT_EQ(sessions_in_project(), before);

    auto editor = as("editor");
    auto r = clone(editor, id);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.json()["created_by_user_id"], "editor");
    EXPECT_EQ(sessions_in_project(), before + 1);
}

TEST_P(CloneExport, CloneOfAnUnknownSessionIs404) {
    auto r = clone(service(), new_ksuid());
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("Session with id="), std::string::npos) << r.body;
    const std::string id = create_session({{"name", "gone"}})["id"];
    ASSERT_EQ(service().del(session_path(id)).status, 204);
    EXPECT_EQ(clone(service(), id).status, 404);
}

TEST_P(CloneExport, CloneOfASessionWhoseAgentWasDeletedIsAConflict) {
    auto agent = service().post(kApi + "/projects/proj/agents", R"({"name":"short-lived"})");
    ASSERT_EQ(agent.status, 201);
    const std::string agent_id = agent.json()["id"];
    const std::string id = create_session({{"name", "of-agent"}, {"agent_id", agent_id}})["id"];
    ASSERT_EQ(service().del(kApi + "/projects/proj/agents/" + agent_id).status, 204);
    EXPECT_EQ(clone(service(), id).status, 409);
}

TEST_P(CloneExport, ACloneAppearsOnWatchStreamsAsACreatedSession) {
    const std::string id = create_session({{"name", "src"}})["id"];
    SseReader sse(server_->process().host(), server_->process().port(), kApi + "/sessions?watch=true",
                  {{"Authorization", std::string("Bearer ") + kTestToken}});
    ASSERT_EQ(sse.status(), 200);
    auto r = clone(service(), id);
    ASSERT_EQ(r.status, 201);
    const auto event = sse.next(std::chrono::seconds(10));
    ASSERT_TRUE(event.has_value());
    const auto change = json::parse(event->data);
    EXPECT_EQ(change["type"], "CREATED");
    EXPECT_EQ(change["resource_id"], r.json()["id"]);
    EXPECT_EQ(change["object"]["parent_session_id"], id);
}

// ---- export --------------------------------------------------------------------------

TEST_P(CloneExport, ExportHoldsTheSessionAndEveryMessageInOrderAcrossPages) {
    const auto session = create_session({{"name", "long"}, {"prompt", "begin"}});
    const std::string id = session["id"];
    const std::string other = create_session({{"name", "other"}})["id"];
    // 1,200 messages (pages hold 500), another session's interleaved (seq is global), text
    // that JSON must escape, and two payloads over half the 1 MiB page budget each.
    std::vector<std::pair<std::string, std::string>> batch;
    std::vector<std::string> expected = {"begin"};
    for (int i = 0; i < 1200; ++i) {
        std::string payload = "message " + std::to_string(i);
        if (i == 7) payload = "quote \" backslash \\ newline \n tab \t unicode é ☃ control \x01";
        if (i == 600 || i == 601) payload = std::string(700 * 1024, static_cast<char>('a' + i % 2));
        batch.emplace_back(id, payload);
        expected.push_back(payload);
        if (i % 3 == 0) batch.emplace_back(other, "not this one");
    }
    append_messages(batch);

    auto r = as("viewer").get(session_path(id, "/export"));
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");  // streamed, not built whole
    const auto doc = json::parse(r.body, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << r.body.substr(0, 500);
    EXPECT_EQ(doc["kind"], "SessionExport");
    EXPECT_EQ(doc["session"], service().get(session_path(id)).json());
    const auto& messages = doc["messages"];
    ASSERT_EQ(messages.size(), expected.size());
    std::int64_t last_seq = 0;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        EXPECT_EQ(messages[i]["session_id"], id) << i;
        EXPECT_EQ(messages[i]["payload"], expected[i]) << i;
        EXPECT_GT(messages[i]["seq"].get<std::int64_t>(), last_seq) << i;
        last_seq = messages[i]["seq"].get<std::int64_t>();
    }
    EXPECT_EQ(messages[0]["event_type"], "user");
    EXPECT_EQ(messages[1]["event_type"], "assistant");
    // The same messages the paged JSON read gives.
    const auto first_page = service().get(session_path(id, "/messages?limit=3")).json();
    for (std::size_t i = 0; i < first_page.size(); ++i)
        EXPECT_EQ(messages[i], first_page[i]) << i;
}

TEST_P(CloneExport, ExportOfASessionWithoutMessagesHasAnEmptyArray) {
    const auto session = create_session({{"name", "quiet"}});
    auto r = service().get(session_path(session["id"], "/export"));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto doc = json::parse(r.body);
    EXPECT_EQ(doc, (json{{"kind", "SessionExport"}, {"session", session}, {"messages", json::array()}}));
}

TEST_P(CloneExport, ExportNeedsToReadTheSessionAndItsMessages) {
    const std::string id = create_session({{"name", "s"}, {"prompt", "hello"}})["id"];
    EXPECT_EQ(as("viewer").get(session_path(id, "/export")).status, 200);
    EXPECT_EQ(as("editor").get(session_path(id, "/export")).status, 200);
    // A platform viewer reads sessions, not their messages (GET …/messages is 403 too).
    EXPECT_EQ(as("watcher").get(session_path(id, "/messages")).status, 403);
    auto watcher = as("watcher").get(session_path(id, "/export"));
    EXPECT_EQ(watcher.status, 403);
    EXPECT_EQ(watcher.body.find("hello"), std::string::npos);
    auto outsider = as("outsider").get(session_path(id, "/export"));
    EXPECT_EQ(outsider.status, 404);
    EXPECT_EQ(outsider.body.find("hello"), std::string::npos);
    EXPECT_EQ(service().get(session_path(new_ksuid(), "/export")).status, 404);
    EXPECT_EQ(server_->client(false).get(session_path(id, "/export")).status, 401);
}

TEST_P(CloneExport, ARunnerExportsItsOwnSessionOnly) {
    const std::string id = create_session({{"name", "run"}, {"prompt", "go"}})["id"];
    const std::string other = create_session({{"name", "other"}})["id"];
    ASSERT_EQ(service().post(session_path(id, "/start"), "").status, 200);
    auto minted = service().post(session_path(id, "/runner_token"), "");
    ASSERT_EQ(minted.status, 200) << minted.body;
    auto runner = server_->client(false);
    runner.set_bearer(minted.json()["token"]);
    auto own = runner.get(session_path(id, "/export"));
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_EQ(json::parse(own.body)["messages"][0]["payload"], "go");
    EXPECT_EQ(runner.get(session_path(other, "/export")).status, 404);
    EXPECT_EQ(clone(runner, id).status, 403);
}

TEST_P(CloneExport, TheOpenApiDocumentDescribesBoth) {
    const auto doc = service().get(kApi + "/openapi").json();
    const auto& clone_op = doc["paths"]["/api/ambient/v1/sessions/{id}/clone"]["post"];
    EXPECT_EQ(clone_op["requestBody"]["required"], false);
    EXPECT_EQ(clone_op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
              "#/components/schemas/SessionCloneRequest");
    EXPECT_EQ(clone_op["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
              "#/components/schemas/Session");
    const auto& export_op = doc["paths"]["/api/ambient/v1/sessions/{id}/export"]["get"];
    EXPECT_EQ(export_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
              "#/components/schemas/SessionExport");
    const auto& schemas = doc["components"]["schemas"];
    EXPECT_TRUE(schemas["SessionCloneRequest"]["properties"].contains("name"));
    EXPECT_EQ(schemas["SessionExport"]["properties"]["session"]["$ref"], "#/components/schemas/Session");
    EXPECT_EQ(schemas["SessionExport"]["properties"]["messages"]["type"], "array");
}

INSTANTIATE_TEST_SUITE_P(Backends, CloneExport, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
