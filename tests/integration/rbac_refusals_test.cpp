// Reads hide, writes refuse, and neither reveals existence (issue 13, items 1 and 5), on
// both databases against the real server:
//
//   WritesToTheUnseenAreForbiddenAlike   every write to an object the caller cannot see,
//                                        for an existing and a missing id: 403 `Forbidden`,
//                                        the same body
//   ReadsOfTheUnseenStay404              the matching reads: 404, the same body
//   ...                                  who may still learn "not found" (a binding
//                                        covering the place, platform admins), generic
//                                        reasons for too little, and role-binding PATCHes
//                                        refused before validation or the last-owner rule
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>

#include "api/builtin_roles.hpp"
#include "common/jwt/jwt.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kApi = "/api/ambient/v1";
// Ids of the right shape that name nothing.
constexpr const char* kMissingId = "2zzzzzzzzzzzzzzzzzzzzzzzzzz";
constexpr const char* kMissingProject = "no-such-proj";

std::string api(const std::string& rest) {
    return std::string(kApi) + rest;
}

std::string role_id(const std::string& name) {
    return api::builtin_role_id(name);
}

// Replaces every `marker` in `text` with `value`.
std::string replaced(std::string text, const std::string& marker, const std::string& value) {
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + value.size()))
        text.replace(at, marker.size(), value);
    return text;
}

// An error body with what names the request taken out: the operation id, and `id` (the
// object the request named) wherever it is quoted. Two refusals that tell the caller the
// same thing compare equal.
json normalised(const HttpResult& r, const std::string& id) {
    auto body = json::parse(r.body, nullptr, false);
    if (!body.is_object()) return json{{"status", r.status}, {"unparsable", r.body}};
    body.erase("operation_id");
    if (body.contains("reason") && body["reason"].is_string())
        body["reason"] = replaced(body["reason"].get<std::string>(), id, "{id}");
    body["status"] = r.status;
    return body;
}

// The objects one user (alice) holds, which another (mallory) cannot see.
struct World {
    std::string agent, session, credential, settings, binding;
};

// One request of a table. "{id}" in the path and body is the object's id: an existing one,
// then one that does not exist.
struct Probe {
    const char* name;
    std::string method;
    std::string path;
    std::string body;
    std::string existing;
    std::string missing;
};

class RbacRefusals : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        jwks_ = dir_.path() / "jwks.json";
        std::ofstream(jwks_) << json{{"keys", {jwt::public_jwk(key_.get(), jwt::Algorithm::ES256, "k")}}}.dump();
        server_ = std::make_unique<ApiServer>(GetParam(), std::vector<std::string>{"--jwk-cert-file", jwks_.string()});
        admin_.emplace(server_->client());
        build_world();
    }

    void TearDown() override {
        if (HasFailure() && server_) {
            const auto log = server_->process().log();
            std::cerr << "---- server log (tail) ----\n"
                      << log.substr(log.size() > 4000 ? log.size() - 4000 : 0) << "\n";
        }
    }

    HttpClient as(const std::string& user) {
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        auto c = server_->client(false);
        c.set_bearer(jwt::sign(json{{"preferred_username", user}, {"iat", now}, {"exp", now + 3600}}, key_.get(),
                               jwt::Algorithm::ES256, "k"));
        return c;
    }
    HttpClient& admin() { return *admin_; }

    std::string created(HttpClient& client, const std::string& path, const json& body) {
        auto r = client.post(api(path), body.dump());
        EXPECT_EQ(r.status, 201) << "POST " << path << ": " << r.body;
        return r.status == 201 ? r.json()["id"].get<std::string>() : std::string("not-created");
    }
    std::string bind(const std::string& user, const std::string& role, const std::string& scope, json where) {
        where["role_id"] = role_id(role);
        where["scope"] = scope;
        where["user_id"] = user;
        return created(admin(), "/role_bindings", where);
    }

    // alice owns project "secret" with an agent, a session, settings and a credential; bob
    // is a viewer there. mallory owns only her own project.
    void build_world() {
        auto alice = as("alice");
        created(alice, "/projects", {{"name", "secret"}});
        auto mallory = as("mallory");
        created(mallory, "/projects", {{"name", "mallory-proj"}});
        w_.agent = created(alice, "/projects/secret/agents", {{"name", "a"}});
        w_.session = created(alice, "/sessions", {{"name", "s"}, {"project_id", "secret"}, {"agent_id", w_.agent}});
        w_.settings = created(alice, "/project_settings", {{"project_id", "secret"}});
        w_.credential = created(alice, "/credentials", {{"name", "c"}, {"provider", "github"}, {"token", "tok"}});
        w_.binding = bind("bob", "project:viewer", "project", {{"project_id", "secret"}});
    }

    // Every write to one of alice's objects, with the id of one that does not exist.
    std::vector<Probe> writes() const {
        const std::string p = "secret";
        const std::string patch = R"({"description":"d"})";
        auto grant = [](const json& where) {
            json body = {{"role_id", role_id("project:viewer")}, {"user_id", "mallory"}};
            body.update(where);
            return body.dump();
        };
        return {
            {"project PATCH", "PATCH", "/projects/{id}", patch, p, kMissingProject},
            {"project DELETE", "DELETE", "/projects/{id}", "", p, kMissingProject},
            {"agent PATCH", "PATCH", "/agents/{id}", patch, w_.agent, kMissingId},
            {"agent DELETE", "DELETE", "/agents/{id}", "", w_.agent, kMissingId},
            {"project's agent PATCH", "PATCH", "/projects/secret/agents/{id}", patch, w_.agent, kMissingId},
            {"project's agent DELETE", "DELETE", "/projects/secret/agents/{id}", "", w_.agent, kMissingId},
            {"agent start", "POST", "/projects/secret/agents/{id}/start", "", w_.agent, kMissingId},
            {"agent inbox", "POST", "/projects/secret/agents/{id}/inbox", R"({"body":"hi"})", w_.agent, kMissingId},
            {"session PATCH", "PATCH", "/sessions/{id}", patch, w_.session, kMissingId},
            {"session DELETE", "DELETE", "/sessions/{id}", "", w_.session, kMissingId},
            {"session start", "POST", "/sessions/{id}/start", "", w_.session, kMissingId},
            {"session stop", "POST", "/sessions/{id}/stop", "", w_.session, kMissingId},
            {"session message", "POST", "/sessions/{id}/messages", R"({"payload":"hi"})", w_.session, kMissingId},
            {"session status", "PATCH", "/sessions/{id}/status", R"({"phase":"Running"})", w_.session, kMissingId},
            {"settings PATCH", "PATCH", "/project_settings/{id}", R"({"repositories":"[]"})", w_.settings, kMissingId},
            {"settings DELETE", "DELETE", "/project_settings/{id}", "", w_.settings, kMissingId},
            {"credential PATCH", "PATCH", "/credentials/{id}", patch, w_.credential, kMissingId},
            {"credential DELETE", "DELETE", "/credentials/{id}", "", w_.credential, kMissingId},
            {"binding PATCH", "PATCH", "/role_bindings/{id}", json{{"role_id", role_id("project:editor")}}.dump(),
             w_.binding, kMissingId},
            {"binding DELETE", "DELETE", "/role_bindings/{id}", "", w_.binding, kMissingId},
            {"binding on a project", "POST", "/role_bindings", grant({{"scope", "project"}, {"project_id", "{id}"}}), p,
             kMissingProject},
            {"binding on a session", "POST", "/role_bindings", grant({{"scope", "session"}, {"session_id", "{id}"}}),
             w_.session, kMissingId},
            {"binding on a credential", "POST", "/role_bindings",
             grant({{"scope", "credential"}, {"credential_id", "{id}"}}), w_.credential, kMissingId},
            {"binding on an agent", "POST", "/role_bindings",
             grant({{"scope", "agent"}, {"project_id", "secret"}, {"agent_id", "{id}"}}), w_.agent, kMissingId},
            {"credential granted to a project", "POST", "/role_bindings",
             json{{"role_id", role_id("credential:token-reader")},
                  {"scope", "credential"},
                  {"credential_id", "{id}"},
                  {"project_id", "mallory-proj"}}
                 .dump(),
             w_.credential, kMissingId},
        };
    }

    HttpResult send(HttpClient& client, const Probe& probe, const std::string& id) {
        return client.request(probe.method, api(replaced(probe.path, "{id}", id)), replaced(probe.body, "{id}", id));
    }

    TempDir dir_;
    std::filesystem::path jwks_;
    jwt::PkeyPtr key_ = jwt::generate_key(jwt::Algorithm::ES256);
    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> admin_;
    World w_;
};

TEST_P(RbacRefusals, WritesToTheUnseenAreForbiddenAlike) {
    auto mallory = as("mallory");
    for (const auto& probe : writes()) {
        SCOPED_TRACE(probe.name);
        const auto existing = send(mallory, probe, probe.existing);
        const auto missing = send(mallory, probe, probe.missing);
        EXPECT_EQ(existing.status, 403) << existing.body;
        EXPECT_EQ(existing.json().value("reason", ""), "Forbidden") << existing.body;
        EXPECT_EQ(normalised(existing, probe.existing), normalised(missing, probe.missing)) << existing.body << "\n"
                                                                                            << missing.body;
    }
    // None of it took.
    EXPECT_EQ(admin().get(api("/projects/secret")).json().value("description", ""), "");
    EXPECT_EQ(admin().get(api("/agents/" + w_.agent)).status, 200);
    EXPECT_TRUE(admin().get(api("/sessions/" + w_.session)).json()["phase"].is_null());  // never started
    EXPECT_EQ(admin().get(api("/credentials/" + w_.credential)).status, 200);
    EXPECT_EQ(admin().get(api("/role_bindings/" + w_.binding)).json()["role_id"], role_id("project:viewer"));
    EXPECT_EQ(as("mallory").get(api("/role_bindings")).json()["total"], 1);  // her own project's
}

TEST_P(RbacRefusals, ReadsOfTheUnseenStay404) {
    const std::vector<Probe> reads = {
        {"project", "GET", "/projects/{id}", "", "secret", kMissingProject},
        {"project's agents", "GET", "/projects/{id}/agents", "", "secret", kMissingProject},
        {"agent", "GET", "/agents/{id}", "", w_.agent, kMissingId},
        {"project's agent", "GET", "/projects/secret/agents/{id}", "", w_.agent, kMissingId},
        {"agent preview", "GET", "/projects/secret/agents/{id}/ignition", "", w_.agent, kMissingId},
        {"agent inbox", "GET", "/projects/secret/agents/{id}/inbox", "", w_.agent, kMissingId},
        {"session", "GET", "/sessions/{id}", "", w_.session, kMissingId},
        {"session messages", "GET", "/sessions/{id}/messages", "", w_.session, kMissingId},
        {"session events", "GET", "/sessions/{id}/events", "", w_.session, kMissingId},
        {"settings", "GET", "/project_settings/{id}", "", w_.settings, kMissingId},
        {"credential", "GET", "/credentials/{id}", "", w_.credential, kMissingId},
        {"credential token", "GET", "/credentials/{id}/token", "", w_.credential, kMissingId},
        {"binding", "GET", "/role_bindings/{id}", "", w_.binding, kMissingId},
    };
    auto mallory = as("mallory");
    for (const auto& probe : reads) {
        SCOPED_TRACE(probe.name);
        const auto existing = send(mallory, probe, probe.existing);
        const auto missing = send(mallory, probe, probe.missing);
        EXPECT_EQ(existing.status, 404) << existing.body;
        EXPECT_EQ(normalised(existing, probe.existing), normalised(missing, probe.missing)) << existing.body << "\n"
                                                                                            << missing.body;
    }
    // The refused token read is still audited.
    const auto audit = admin().get(
        api("/audit_events?search=" + url_encode("action = 'fetch_token' and target_id = '" + w_.credential + "'")));
    ASSERT_EQ(audit.status, 200) << audit.body;
    ASSERT_EQ(audit.json()["total"], 1) << audit.body;
    EXPECT_EQ(audit.json()["items"][0]["outcome"], "denied");
    EXPECT_EQ(audit.json()["items"][0]["actor"], "mallory");
}

// Whoever could write there learns that nothing is there: a platform admin (the service
// token or a user bound to platform:admin) and a project editor in their project.
TEST_P(RbacRefusals, WhoCouldWriteThereGets404ForWhatIsMissing) {
    bind("root", "platform:admin", "global", json::object());
    auto root = as("root");
    for (const auto& probe : writes()) {
        SCOPED_TRACE(probe.name);
        if (probe.method == "POST" && probe.path == "/role_bindings") continue;  // a create: 400, not 404
        EXPECT_EQ(send(admin(), probe, probe.missing).status, 404) << "service token";
        EXPECT_EQ(send(root, probe, probe.missing).status, 404) << "platform:admin user";
    }
    bind("ed", "project:editor", "project", {{"project_id", "secret"}});
    auto ed = as("ed");
    const std::string missing_agent = api("/projects/secret/agents/") + kMissingId;
    EXPECT_EQ(ed.patch(missing_agent, R"({"description":"d"})").status, 404);
    EXPECT_EQ(ed.post(missing_agent + "/start", "").status, 404);
    // Where their role grants too little, or beyond their project, they are refused.
    EXPECT_EQ(ed.del(missing_agent).status, 403);  // project:editor holds no agent:delete
    const auto elsewhere = ed.patch(api("/projects/mallory-proj/agents/") + kMissingId, R"({"description":"d"})");
    EXPECT_EQ(elsewhere.status, 403) << elsewhere.body;
}

// Too little on an object the caller sees is 403 `Forbidden` too: the reason names no
// permission, role or object.
TEST_P(RbacRefusals, TooLittleIsAPlainForbidden) {
    auto bob = as("bob");  // project:viewer of secret
    auto alice = as("alice");
    const std::vector<std::pair<std::string, HttpResult>> refused = {
        {"viewer patches the project", bob.patch(api("/projects/secret"), R"({"description":"d"})")},
        {"viewer deletes a session", bob.del(api("/sessions/" + w_.session))},
        {"viewer starts the agent", bob.post(api("/projects/secret/agents/" + w_.agent + "/start"), "")},
        {"viewer reads the audit log", bob.get(api("/audit_events"))},
        {"owner writes a status", alice.patch(api("/sessions/" + w_.session + "/status"), R"({"phase":"Running"})")},
        {"owner grants owner", alice.post(api("/role_bindings"), json{{"role_id", role_id("project:owner")},
                                                                      {"scope", "project"},
                                                                      {"project_id", "secret"},
                                                                      {"user_id", "carol"}}
                                                                     .dump())},
        {"owner grants globally",
         alice.post(api("/role_bindings"),
                    json{{"role_id", role_id("project:viewer")}, {"scope", "global"}, {"user_id", "carol"}}.dump())},
    };
    for (const auto& [name, r] : refused) {
        SCOPED_TRACE(name);
        EXPECT_EQ(r.status, 403) << r.body;
        EXPECT_EQ(r.json().value("reason", ""), "Forbidden") << r.body;
        for (const char* named : {"project:", "session:", "agent:", "audit", "role", "secret", "admin"})
            EXPECT_EQ(r.body.find(named), std::string::npos) << named << " in " << r.body;
    }
}

// A PATCH that would change a binding's user, scope or scope ids is refused before the
// body is validated (400) or the last-owner rule applied (409): those answers would
// describe what the caller may not see.
TEST_P(RbacRefusals, BindingPatchesThatWidenAreRefusedFirst) {
    auto alice = as("alice");
    auto r = alice.get(api("/role_bindings?search=" + url_encode("user_id = 'alice' and project_id = 'secret'")));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json()["total"], 1) << r.body;
    const std::string own = r.json()["items"][0]["id"];  // the last project:owner of secret
    const auto bobs = api("/role_bindings/" + w_.binding);
    const auto alices = api("/role_bindings/" + own);
    const std::vector<std::pair<std::string, HttpResult>> refused = {
        {"scope and a bad role", alice.patch(bobs, json{{"scope", "global"}, {"role_id", "no-such-role"}}.dump())},
        {"bad scope", alice.patch(bobs, json{{"scope", "galaxy"}}.dump())},
        {"missing project", alice.patch(bobs, json{{"project_id", kMissingProject}}.dump())},
        {"last owner to another user", alice.patch(alices, json{{"user_id", "mallory"}}.dump())},
        {"last owner to another project", alice.patch(alices, json{{"project_id", "mallory-proj"}}.dump())},
        {"unseen binding, bad role", as("mallory").patch(bobs, json{{"scope", "x"}, {"role_id", "nope"}}.dump())},
    };
    for (const auto& [name, answer] : refused) {
        SCOPED_TRACE(name);
        EXPECT_EQ(answer.status, 403) << answer.body;
        EXPECT_EQ(answer.json().value("reason", ""), "Forbidden") << answer.body;
    }
    // Where the caller may change the role, validation and the last-owner rule still answer.
    EXPECT_EQ(alice.patch(bobs, json{{"role_id", "no-such-role"}}.dump()).status, 400);
    EXPECT_EQ(alice.patch(alices, json{{"role_id", role_id("project:editor")}}.dump()).status, 409);
    EXPECT_EQ(admin().get(alices).json()["user_id"], "alice");
    EXPECT_EQ(admin().get(bobs).json()["scope"], "project");
}

INSTANTIATE_TEST_SUITE_P(Backends, RbacRefusals, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
