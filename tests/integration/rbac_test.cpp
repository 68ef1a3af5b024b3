// Role-based access control end to end, on both databases: users signed in with JWTs
// from the test's own key, bound to the built-in roles at each scope, against the real
// routes. What is asserted is the status class a request gets — 2xx, 403 (a write the
// caller may not make, or an action on an object they see but may not take) or 404 (a
// read of an object the caller may not know exists) — and what the lists show each user.
//
//   RoleMatrix              every built-in role at its scope x a fixed set of requests
//   Project*/Agent*/...     the scenarios of issue 4, one per test
//   ListsAreFiltered        totals and ids of every filtered list, per user
//   Escalations*/...Grant*  the grant rules: what a user may and may not bind
//   DeletingAProject...     a project's bindings go with it
//
// The service token (the fixture's) is a platform admin and builds each test's world.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "api/builtin_roles.hpp"
#include "common/jwt/jwt.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kIssuer = "https://sso.test/realms/ambient";
constexpr const char* kAudience = "ambient-api";
constexpr const char* kApi = "/api/ambient/v1";

// Expected outcomes. kOk is any 2xx; the others are exact statuses.
constexpr int kOk = 2;
constexpr int k400 = 400;
constexpr int k403 = 403;
constexpr int k404 = 404;
constexpr int k409 = 409;

std::string api(const std::string& rest) {
    return std::string(kApi) + rest;
}

std::string expected_text(int expect) {
    return expect == kOk ? "2xx" : std::to_string(expect);
}

bool matches(int status, int expect) {
    return expect == kOk ? status / 100 == 2 : status == expect;
}

std::string role_id(const std::string& name) {
    return api::builtin_role_id(name);
}

// One request of a table: path is relative to /api/ambient/v1.
struct Case {
    std::string method;
    std::string path;
    std::string body;
    int expect;
};

// What the world of a test holds (ids).
struct World {
    // alpha (owner-a) holds agents ax and ay; beta (owner-b) holds agent bx.
    std::string ax, ay, bx;
    // Sessions: s_a (alpha, no agent), s_ax, s_ay (alpha, of ax and ay), s_b (beta),
    // s_bx (beta, of bx).
    std::string s_a, s_ax, s_ay, s_b, s_bx;
    // Credentials: c and d global, pa of project alpha; all made by the service.
    std::string cred_c, cred_d, cred_pa;
};

class Rbac : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        jwks_path_ = dir_.path() / "jwks.json";
        std::ofstream(jwks_path_)
            << json{{"keys", {jwt::public_jwk(key_.get(), jwt::Algorithm::ES256, "rbac")}}}.dump();
        server_ = std::make_unique<ApiServer>(
            GetParam(), std::vector<std::string>{"--jwk-cert-file", jwks_path_.string(), "--oidc-issuer", kIssuer,
                                                 "--oidc-audience", kAudience});
        admin_.emplace(server_->client());
    }

    void TearDown() override {
        // A failure may be the server's: show the end of its log.
        if (HasFailure() && server_) {
            const auto log = server_->process().log();
            std::cerr << "---- server log (tail) ----\n"
                      << log.substr(log.size() > 4000 ? log.size() - 4000 : 0) << "\n";
        }
    }

    // A client signed in as `user` (a JWT from the test's key, valid for an hour).
    HttpClient as(const std::string& user) {
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        const json claims = {{"preferred_username", user},
                             {"sub", "sub-" + user},
                             {"name", user},
                             {"email", user + "@example.com"},
                             {"iss", kIssuer},
                             {"aud", kAudience},
                             {"iat", now},
                             {"exp", now + 3600}};
        auto c = server_->client(false);
        c.set_bearer(jwt::sign(claims, key_.get(), jwt::Algorithm::ES256, "rbac"));
        return c;
    }
    HttpClient& admin() { return *admin_; }

    // Creates with the service token; returns the created object.
    json made(const std::string& path, const json& body) {
        auto r = admin().post(api(path), body.dump());
        EXPECT_EQ(r.status, 201) << "POST " << path << " " << body.dump() << ": " << r.body;
        return r.status == 201 ? r.json() : json::object();
    }
    std::string made_id(const std::string& path, const json& body) {
        const auto j = made(path, body);
        return j.contains("id") ? j["id"].get<std::string>() : std::string("missing");
    }
    // A user creates a project (and so becomes its owner).
    void user_creates_project(const std::string& user, const std::string& name) {
        auto r = as(user).post(api("/projects"), json{{"name", name}}.dump());
        ASSERT_EQ(r.status, 201) << r.body;
    }
    // Binds `user` as `role` at `scope` (ids in `where`) with the service token.
    std::string bind(const std::string& user, const std::string& role, const std::string& scope,
                     const json& where = json::object()) {
        json body = {{"role_id", role_id(role)}, {"scope", scope}, {"user_id", user}};
        for (const auto& [k, v] : where.items())
            body[k] = v;
        return made_id("/role_bindings", body);
    }
    // The id of the binding (seen by the service) of `user` as `role` on project `project`.
    std::string binding_of(const std::string& user, const std::string& role, const std::string& project) {
        auto r = admin().get(api("/role_bindings?size=500"));
        EXPECT_EQ(r.status, 200) << r.body;
        const auto all = r.json();
        for (const auto& b : all["items"]) {
            if (b.value("user_id", "") == user && b.value("role_id", "") == role_id(role) &&
                b.value("project_id", "") == project) {
                return b["id"];
            }
        }
        ADD_FAILURE() << "no binding of " << user << " as " << role << " on " << project << ": " << r.body;
        return "missing";
    }

    void build_world() {
        user_creates_project("owner-a", "alpha");
        user_creates_project("owner-b", "beta");
        w_.ax = made_id("/projects/alpha/agents", {{"name", "ax"}});
        w_.ay = made_id("/projects/alpha/agents", {{"name", "ay"}});
        w_.bx = made_id("/projects/beta/agents", {{"name", "bx"}});
        auto session = [&](const std::string& name, const std::string& project, const std::string& agent) {
            json body = {{"name", name}, {"project_id", project}, {"prompt", "hello from " + name}};
            if (!agent.empty()) body["agent_id"] = agent;
            return made_id("/sessions", body);
        };
        w_.s_a = session("s-a", "alpha", "");
        w_.s_ax = session("s-ax", "alpha", w_.ax);
        w_.s_ay = session("s-ay", "alpha", w_.ay);
        w_.s_b = session("s-b", "beta", "");
        w_.s_bx = session("s-bx", "beta", w_.bx);
        w_.cred_c = made_id("/credentials", {{"name", "c"}, {"provider", "github"}, {"token", "tok-c"}});
        w_.cred_d = made_id("/credentials", {{"name", "d"}, {"provider", "github"}, {"token", "tok-d"}});
        w_.cred_pa =
            made_id("/projects/alpha/credentials", {{"name", "pa"}, {"provider", "gitlab"}, {"token", "tok-pa"}});
    }

    // Runs each case as `user`; every mismatch is reported with the request and the answer.
    void expect_cases(const std::string& user, const std::vector<Case>& cases) {
        auto c = as(user);
        for (const auto& k : cases) {
            auto r = c.request(k.method, api(k.path), k.body);
            EXPECT_TRUE(matches(r.status, k.expect))
                << user << ": " << k.method << " " << k.path << (k.body.empty() ? "" : " " + k.body) << " -> "
                << r.status << ", expected " << expected_text(k.expect) << ": " << r.body.substr(0, 300);
        }
    }

    // `user` lists `path` and sees exactly `ids` (order ignored), with a matching total.
    void expect_list(const std::string& user, const std::string& path, std::vector<std::string> ids) {
        auto r = as(user).get(api(path));
        ASSERT_EQ(r.status, 200) << user << ": GET " << path << ": " << r.body;
        const auto body = r.json();
        std::vector<std::string> got;
        for (const auto& item : body["items"])
            got.push_back(item["id"]);
        std::sort(got.begin(), got.end());
        std::sort(ids.begin(), ids.end());
        EXPECT_EQ(got, ids) << user << ": GET " << path;
        EXPECT_EQ(body["total"], ids.size()) << user << ": GET " << path;
    }

    TempDir dir_;
    std::filesystem::path jwks_path_;
    jwt::PkeyPtr key_ = jwt::generate_key(jwt::Algorithm::ES256);
    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> admin_;
    World w_;
};

// ---- every built-in role at its scope ------------------------------------------------

// The requests of the matrix, none of which depends on what the others did: reads,
// idempotent patches, creates with fresh names ("{n}" is replaced by a counter), and an
// agent start (201 the first time, 200 with the active session after).
struct Probe {
    std::string method;
    std::string path;
    std::string body;
};

TEST_P(Rbac, RoleMatrix) {
    build_world();
    const auto& w = w_;
    const std::vector<Probe> probes = {
        /* 0 */ {"GET", "/projects/alpha", ""},
        /* 1 */ {"PATCH", "/projects/alpha", R"({"description":"d"})"},
        /* 2 */ {"GET", "/projects/beta", ""},
        /* 3 */ {"GET", "/projects/alpha/agents", ""},
        /* 4 */ {"GET", "/agents/" + w.ax, ""},
        /* 5 */ {"PATCH", "/agents/" + w.ax, R"({"description":"d"})"},
        /* 6 */ {"POST", "/projects/alpha/agents/" + w.ax + "/start", ""},
        /* 7 */ {"GET", "/projects/alpha/agents/" + w.ax + "/sessions", ""},
        /* 8 */ {"GET", "/agents/" + w.ay, ""},
        /* 9 */ {"GET", "/sessions/" + w.s_ax, ""},
        /*10 */ {"GET", "/sessions/" + w.s_a, ""},
        /*11 */ {"GET", "/sessions/" + w.s_ax + "/messages", ""},
        /*12 */ {"POST", "/sessions/" + w.s_ax + "/messages", R"({"payload":"hi"})"},
        /*13 */ {"PATCH", "/sessions/" + w.s_ax, R"({"repo_url":"https://example.com/r"})"},
        /*14 */ {"POST", "/sessions", R"({"name":"n{n}","project_id":"alpha"})"},
        /*15 */ {"POST", "/projects/alpha/agents", R"({"name":"agent-{n}"})"},
        /*16 */ {"GET", "/sessions/" + w.s_b, ""},
        /*17 */ {"GET", "/credentials/" + w.cred_c, ""},
        /*18 */ {"GET", "/credentials/" + w.cred_c + "/token", ""},
        /*19 */ {"PATCH", "/credentials/" + w.cred_c, R"({"description":"d"})"},
        /*20 */ {"GET", "/credentials/" + w.cred_d, ""},
        /*21 */ {"GET", "/audit_events", ""},
        /*22 */ {"GET", "/roles", ""},
    };
    // One row per role and scope: the expected outcome of each probe, in order.
    //   o = 2xx   f = 403   n = 404
    struct Row {
        std::string role;
        std::string scope;
        json where;
        std::string expect;
    };
    const json at_alpha = {{"project_id", "alpha"}};
    const json at_ax = {{"project_id", "alpha"}, {"agent_id", w.ax}};
    const json at_s_ax = {{"session_id", w.s_ax}};
    const json at_c = {{"credential_id", w.cred_c}};
    // clang-format off
    const std::vector<Row> rows = {
        //                                                  probe: 00000000001111111111222
        //                                                         01234567890123456789012
        {"platform:admin",          "global",     {},       "ooooooooooooooooooooooo"},
        {"platform:viewer",         "global",     {},       "ofoooffoooofffffofffffo"},
        {"project:owner",           "project",    at_alpha, "oonooooooooooooonnnfnfo"},
        {"project:editor",          "project",    at_alpha, "ofnooooooooooooonnnfnfo"},
        {"project:viewer",          "project",    at_alpha, "ofnooffoooooffffnnnfnfo"},
        {"agent:operator",          "agent",      at_ax,    "nfnnoooononfffffnnnfnfo"},
        {"agent:observer",          "agent",      at_ax,    "nfnnoffononfffffnnnfnfo"},
        {"agent:editor",            "agent",      at_ax,    "nfnnooffnfnfffffnnnfnfo"},
        {"agent:runner",            "session",    at_s_ax,  "nfnnnffnnonoofffnnnfnfo"},
        {"project:viewer",          "session",    at_s_ax,  "nfnnnffnnonoffffnnnfnfo"},
        {"credential:owner",        "credential", at_c,     "nfnnnffnnnnnffffnooonfo"},
        {"credential:viewer",       "credential", at_c,     "nfnnnffnnnnnffffnoffnfo"},
        {"credential:token-reader", "credential", at_c,     "nfnnnffnnnnnffffnfofnfo"},
        {"(no binding)",            "",           {},       "nfnnnffnnnnnffffnnnfnfo"},
    };
    // clang-format on
    int counter = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        ASSERT_EQ(row.expect.size(), probes.size()) << row.role;
        const std::string user = "matrix-" + std::to_string(i);
        if (!row.scope.empty()) bind(user, row.role, row.scope, row.where);
        std::vector<Case> cases;
        for (std::size_t p = 0; p < probes.size(); ++p) {
            std::string body = probes[p].body;
            if (const auto at = body.find("{n}"); at != std::string::npos)
                body.replace(at, 3, std::to_string(++counter));
            const char e = row.expect[p];
            cases.push_back({probes[p].method, probes[p].path, body, e == 'o' ? kOk : e == 'f' ? k403 : k404});
        }
        SCOPED_TRACE(row.role + " at " + (row.scope.empty() ? "no scope" : row.scope) + " (" + user + ")");
        expect_cases(user, cases);
    }
}

// ---- the scenarios of issue 4 ---------------------------------------------------------

TEST_P(Rbac, ProjectViewerReadsButDoesNotWrite) {
    build_world();
    const auto& w = w_;
    bind("vi", "project:viewer", "project", {{"project_id", "alpha"}});
    expect_cases("vi", {
                           {"GET", "/projects/alpha", "", kOk},
                           {"GET", "/projects/alpha/agents", "", kOk},
                           {"GET", "/projects/alpha/agents/" + w.ax, "", kOk},
                           {"GET", "/projects/alpha/agents/" + w.ax + "/sessions", "", kOk},
                           {"GET", "/sessions?project_id=alpha", "", kOk},
                           {"GET", "/sessions/" + w.s_a, "", kOk},
                           {"GET", "/sessions/" + w.s_a + "/messages", "", kOk},
                           {"POST", "/sessions", R"({"name":"x","project_id":"alpha"})", k403},
                           {"POST", "/sessions?project_id=alpha", R"({"name":"x"})", k403},
                           {"POST", "/sessions/" + w.s_a + "/start", "", k403},
                           {"POST", "/sessions/" + w.s_a + "/stop", "", k403},
                           {"POST", "/sessions/" + w.s_a + "/messages", R"({"payload":"hi"})", k403},
                           {"DELETE", "/sessions/" + w.s_a, "", k403},
                           {"POST", "/projects/alpha/agents", R"({"name":"new"})", k403},
                           {"POST", "/agents", R"({"name":"new","project_id":"alpha"})", k403},
                           {"POST", "/projects/alpha/agents/" + w.ax + "/start", "", k403},
                           {"PATCH", "/projects/alpha", R"({"description":"d"})", k403},
                           {"DELETE", "/projects/alpha", "", k403},
                           {"POST", "/project_settings", R"({"project_id":"alpha"})", k403},
                           // An editor grants only below itself (project:viewer, agent:observer).
                           {"POST", "/role_bindings",
                            json{{"role_id", role_id("project:editor")},
                                 {"scope", "project"},
                                 {"project_id", "alpha"},
                                 {"user_id", "friend"}}
                                .dump(),
                            k403},
                       });
    expect_list("vi", "/projects", {"alpha"});
    expect_list("vi", "/projects/alpha/agents", {w.ax, w.ay});
    expect_list("vi", "/agents", {w.ax, w.ay});
    expect_list("vi", "/sessions", {w.s_a, w.s_ax, w.s_ay});
    expect_list("vi", "/sessions?project_id=alpha", {w.s_a, w.s_ax, w.s_ay});
}

TEST_P(Rbac, ProjectEditorRunsSessionsAndAgentsButCannotDeleteTheProject) {
    build_world();
    const auto& w = w_;
    bind("ed", "project:editor", "project", {{"project_id", "alpha"}});
    expect_cases("ed", {
                           {"POST", "/sessions", R"({"name":"x","project_id":"alpha"})", kOk},
                           {"POST", "/sessions?project_id=alpha", R"({"name":"y"})", kOk},
                           {"POST", "/projects/alpha/agents", R"({"name":"new-1"})", kOk},
                           {"POST", "/agents", R"({"name":"new-2","project_id":"alpha"})", kOk},
                           {"PATCH", "/agents/" + w.ay, R"({"description":"d"})", kOk},
                           {"POST", "/sessions/" + w.s_a + "/start", "", kOk},
                           {"POST", "/sessions/" + w.s_a + "/stop", "", kOk},
                           {"PATCH", "/sessions/" + w.s_a, R"({"repo_url":"https://example.com/r"})", kOk},
                           {"POST", "/sessions/" + w.s_a + "/messages", R"({"payload":"hi"})", kOk},
                           {"POST", "/projects/alpha/agents/" + w.ax + "/start", "", kOk},
                           {"DELETE", "/projects/alpha", "", k403},
                           {"PATCH", "/projects/alpha", R"({"description":"d"})", k403},
                           {"DELETE", "/sessions/" + w.s_ay, "", k403},
                           {"DELETE", "/agents/" + w.ay, "", k403},
                           {"POST", "/project_settings", R"({"project_id":"alpha"})", k403},
                           // An editor grants only below itself (project:viewer, agent:observer).
                           {"POST", "/role_bindings",
                            json{{"role_id", role_id("project:editor")},
                                 {"scope", "project"},
                                 {"project_id", "alpha"},
                                 {"user_id", "friend"}}
                                .dump(),
                            k403},
                           // Beta stays invisible: a create there, or a write to what it holds,
                           // is refused as if it did not exist.
                           {"POST", "/sessions", R"({"name":"x","project_id":"beta"})", k403},
                           {"POST", "/sessions/" + w.s_b + "/start", "", k403},
                       });
    EXPECT_EQ(as("ed").get(api("/projects/alpha")).status, 200);  // still there
}

TEST_P(Rbac, ProjectOwnerSeesNothingOfAnotherProject) {
    build_world();
    const auto& w = w_;
    expect_cases("owner-a", {
                                {"GET", "/projects/beta", "", k404},
                                // Writes refuse (403 `Forbidden`), reads hide (404).
                                {"PATCH", "/projects/beta", R"({"description":"d"})", k403},
                                {"DELETE", "/projects/beta", "", k403},
                                {"GET", "/sessions/" + w.s_b, "", k404},
                                {"GET", "/sessions/" + w.s_bx + "/messages", "", k404},
                                {"POST", "/sessions/" + w.s_b + "/stop", "", k403},
                                {"DELETE", "/sessions/" + w.s_b, "", k403},
                                {"GET", "/agents/" + w.bx, "", k404},
                                {"GET", "/projects/beta/agents", "", k404},
                                {"GET", "/projects/beta/agents/" + w.bx, "", k404},
                                {"POST", "/projects/beta/agents/" + w.bx + "/start", "", k403},
                                // beta's agent through alpha's URL, where owner-a may write: not found
                                {"GET", "/projects/alpha/agents/" + w.bx, "", k404},
                                {"POST", "/projects/alpha/agents/" + w.bx + "/start", "", k404},
                                // Creates in beta: 403 `Forbidden`, as for a project that does not exist.
                                {"POST", "/sessions", R"({"name":"x","project_id":"beta"})", k403},
                                {"POST", "/sessions?project_id=beta", R"({"name":"x"})", k403},
                                {"POST", "/agents", R"({"name":"x","project_id":"beta"})", k403},
                                {"POST", "/projects/beta/agents", R"({"name":"x"})", k403},
                                {"POST", "/project_settings", R"({"project_id":"beta"})", k403},
                                {"POST", "/projects/beta/credentials", R"({"name":"x","provider":"github"})", k403},
                                // The project the handler uses is the body's: the check must be on it
                                // too, not on the query's.
                                {"POST", "/sessions?project_id=alpha", R"({"name":"x","project_id":"beta"})", k403},
                            });
    // Nothing was created in beta by any of the above.
    expect_list("owner-b", "/sessions", {w.s_b, w.s_bx});
    expect_list("owner-b", "/agents", {w.bx});

    expect_list("owner-a", "/projects", {"alpha"});
    expect_list("owner-a", "/sessions", {w.s_a, w.s_ax, w.s_ay});
    expect_list("owner-a", "/sessions?project_id=beta", {});
    expect_list("owner-a", "/agents", {w.ax, w.ay});

    // Their own project: everything, up to deleting it.
    expect_cases("owner-a", {
                                {"GET", "/projects/alpha", "", kOk},
                                {"PATCH", "/projects/alpha", R"({"description":"d"})", kOk},
                                {"POST", "/project_settings", R"({"project_id":"alpha"})", kOk},
                                {"DELETE", "/sessions/" + w.s_ay, "", kOk},
                                {"DELETE", "/agents/" + w.ay, "", kOk},
                                {"DELETE", "/projects/alpha", "", kOk},
                                {"GET", "/projects/alpha", "", k404},
                            });
}

TEST_P(Rbac, AgentOperatorRunsTheirAgentAndSeesOnlyItsSessions) {
    build_world();
    const auto& w = w_;
    bind("op", "agent:operator", "agent", {{"project_id", "alpha"}, {"agent_id", w.ax}});
    auto start = as("op").post(api("/projects/alpha/agents/" + w.ax + "/start"), "");
    ASSERT_EQ(start.status, 201) << start.body;
    const std::string started = start.json()["session"]["id"];
    expect_cases("op", {
                           {"GET", "/agents/" + w.ax, "", kOk},
                           {"GET", "/projects/alpha/agents/" + w.ax, "", kOk},
                           {"PATCH", "/projects/alpha/agents/" + w.ax, R"({"description":"d"})", kOk},
                           {"GET", "/projects/alpha/agents/" + w.ax + "/start", "", kOk},
                           {"GET", "/sessions/" + started, "", kOk},
                           {"GET", "/sessions/" + w.s_ax, "", kOk},
                           {"GET", "/sessions/" + w.s_a, "", k404},
                           {"GET", "/sessions/" + w.s_ay, "", k404},
                           {"GET", "/agents/" + w.ay, "", k404},
                           {"POST", "/projects/alpha/agents/" + w.ay + "/start", "", k403},
                           {"GET", "/projects/alpha", "", k404},
                           {"POST", "/sessions/" + w.s_ax + "/stop", "", k403},
                           {"DELETE", "/agents/" + w.ax, "", k403},
                           {"POST", "/sessions", R"({"name":"x","project_id":"alpha"})", k403},
                       });
    expect_list("op", "/sessions", {w.s_ax, started});
    expect_list("op", "/sessions?project_id=alpha", {w.s_ax, started});
    expect_list("op", "/projects/alpha/agents/" + w.ax + "/sessions", {w.s_ax, started});
    expect_list("op", "/agents", {w.ax});
    expect_list("op", "/projects", {});
}

// A session names its agent; an agent of another project must not pull the session into
// that project's views (an editor of alpha cannot plant a session among beta's).
TEST_P(Rbac, ASessionIsSeenOnlyThroughItsOwnProjectsAgent) {
    build_world();
    const auto& w = w_;
    bind("ed", "project:editor", "project", {{"project_id", "alpha"}});
    bind("op-b", "agent:operator", "agent", {{"project_id", "beta"}, {"agent_id", w.bx}});
    auto planted =
        as("ed").post(api("/sessions"), json{{"name", "planted"}, {"project_id", "alpha"}, {"agent_id", w.bx}}.dump());
    if (planted.status == 201) {
        const std::string id = planted.json()["id"];
        EXPECT_EQ(as("op-b").get(api("/sessions/" + id)).status, 404);
        EXPECT_EQ(as("owner-b").get(api("/sessions/" + id)).status, 404);
    } else {
        EXPECT_EQ(planted.status / 100, 4) << planted.body;
    }
    expect_list("op-b", "/sessions", {w.s_bx});
    expect_list("op-b", "/projects/beta/agents/" + w.bx + "/sessions", {w.s_bx});
    expect_list("owner-b", "/sessions", {w.s_b, w.s_bx});
    expect_list("owner-b", "/projects/beta/agents/" + w.bx + "/sessions", {w.s_bx});
}

TEST_P(Rbac, SessionScopedBindingCoversThatSessionOnly) {
    build_world();
    const auto& w = w_;
    bind("sv", "project:viewer", "session", {{"session_id", w.s_ax}});
    expect_cases("sv", {
                           {"GET", "/sessions/" + w.s_ax, "", kOk},
                           {"GET", "/sessions/" + w.s_ax + "/messages", "", kOk},
                           {"POST", "/sessions/" + w.s_ax + "/stop", "", k403},
                           {"PATCH", "/sessions/" + w.s_ax, R"({"repo_url":"https://example.com/r"})", k403},
                           {"DELETE", "/sessions/" + w.s_ax, "", k403},
                           {"GET", "/sessions/" + w.s_a, "", k404},
                           {"GET", "/sessions/" + w.s_ay, "", k404},
                           {"GET", "/agents/" + w.ax, "", k404},
                           {"GET", "/projects/alpha", "", k404},
                       });
    expect_list("sv", "/sessions", {w.s_ax});
    expect_list("sv", "/agents", {});
    expect_list("sv", "/projects", {});
}

TEST_P(Rbac, CredentialRoles) {
    build_world();
    const auto& w = w_;
    bind("cv", "credential:viewer", "credential", {{"credential_id", w.cred_c}});
    bind("co", "credential:owner", "credential", {{"credential_id", w.cred_c}});
    bind("vi", "project:viewer", "project", {{"project_id", "alpha"}});
    expect_cases("cv", {
                           {"GET", "/credentials/" + w.cred_c, "", kOk},
                           {"GET", "/credentials/" + w.cred_c + "/token", "", k403},
                           {"PATCH", "/credentials/" + w.cred_c, R"({"description":"d"})", k403},
                           {"DELETE", "/credentials/" + w.cred_c, "", k403},
                           {"GET", "/credentials/" + w.cred_d, "", k404},
                           {"GET", "/credentials/" + w.cred_d + "/token", "", k404},
                       });
    expect_list("cv", "/credentials", {w.cred_c});
    expect_cases("nobody", {
                               {"GET", "/credentials/" + w.cred_c, "", k404},
                               {"GET", "/credentials/" + w.cred_c + "/token", "", k404},
                               {"PATCH", "/credentials/" + w.cred_c, R"({"description":"d"})", k403},
                           });
    expect_list("nobody", "/credentials", {});
    // A project's credentials are covered by credential bindings only, not by the project's.
    expect_cases("vi", {
                           {"GET", "/credentials/" + w.cred_pa, "", k404},
                           {"GET", "/projects/alpha/credentials/" + w.cred_pa, "", k404},
                           {"GET", "/projects/alpha/credentials/" + w.cred_pa + "/token", "", k404},
                       });
    expect_list("vi", "/projects/alpha/credentials", {});
    expect_list("owner-a", "/projects/alpha/credentials", {});

    auto token = as("co").get(api("/credentials/" + w.cred_c + "/token"));
    ASSERT_EQ(token.status, 200) << token.body;
    EXPECT_EQ(token.json()["token"], "tok-c");
    expect_cases("co", {
                           {"GET", "/credentials/" + w.cred_c, "", kOk},
                           {"PATCH", "/credentials/" + w.cred_c, R"({"description":"d"})", kOk},
                           {"GET", "/credentials/" + w.cred_d, "", k404},
                           {"DELETE", "/credentials/" + w.cred_c, "", kOk},
                           {"GET", "/credentials/" + w.cred_c, "", k404},
                       });
}

TEST_P(Rbac, CredentialCreatorBecomesItsOwner) {
    auto created = as("maker").post(api("/credentials"), R"({"name":"mine","provider":"github","token":"t0k"})");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = created.json()["id"];
    expect_cases("maker", {
                              {"GET", "/credentials/" + id, "", kOk},
                              {"GET", "/credentials/" + id + "/token", "", kOk},
                          });
    expect_list("maker", "/credentials", {id});
    auto bindings = as("maker").get(api("/role_bindings")).json();
    ASSERT_EQ(bindings["total"], 1);
    EXPECT_EQ(bindings["items"][0]["role_id"], role_id("credential:owner"));
    EXPECT_EQ(bindings["items"][0]["scope"], "credential");
    EXPECT_EQ(bindings["items"][0]["credential_id"], id);
    EXPECT_EQ(as("someone-else").get(api("/credentials/" + id)).status, 404);
}

TEST_P(Rbac, PlatformRolesAndTheAuditLog) {
    build_world();
    const auto& w = w_;
    bind("pv", "platform:viewer", "global");
    bind("pa", "platform:admin", "global");
    expect_list("pv", "/projects", {"alpha", "beta"});
    expect_list("pv", "/sessions", {w.s_a, w.s_ax, w.s_ay, w.s_b, w.s_bx});
    expect_list("pv", "/agents", {w.ax, w.ay, w.bx});
    expect_list("pv", "/credentials", {});
    expect_cases("pv", {
                           {"GET", "/projects/beta", "", kOk},
                           {"GET", "/sessions/" + w.s_bx, "", kOk},
                           {"POST", "/sessions", R"({"name":"x","project_id":"beta"})", k403},
                           {"DELETE", "/projects/beta", "", k403},
                           {"GET", "/audit_events", "", k403},
                       });
    for (const char* user : {"owner-a", "nobody"})
        EXPECT_EQ(as(user).get(api("/audit_events")).status, 403) << user;
    expect_cases(
        "pa", {
                  {"GET", "/audit_events", "", kOk},
                  {"GET", "/credentials/" + w.cred_d + "/token", "", kOk},
                  {"POST", "/role_bindings",
                   json{{"role_id", role_id("platform:viewer")}, {"scope", "global"}, {"user_id", "pv2"}}.dump(), kOk},
                  {"DELETE", "/projects/beta", "", kOk},
              });
    expect_list("pa", "/credentials", {w.cred_c, w.cred_d, w.cred_pa});
    expect_list("pv2", "/projects", {"alpha"});
}

TEST_P(Rbac, RolesProjectsAndCredentialsAreOpenToEveryUser) {
    const std::string owner_role = role_id("project:owner");
    expect_cases("newcomer",
                 {
                     {"GET", "/roles", "", kOk},
                     {"GET", "/roles?search=" + url_encode("name = 'project:owner'"), "", kOk},
                     {"GET", "/roles/" + owner_role, "", kOk},
                     {"POST", "/roles", R"({"name":"custom:role","permissions":"[\"project:read\"]"})", k403},
                     {"PATCH", "/roles/" + owner_role, R"({"description":"mine"})", k403},
                     {"DELETE", "/roles/" + owner_role, "", k403},
                     {"POST", "/projects", R"({"name":"newcomers"})", kOk},
                     {"POST", "/credentials", R"({"name":"nc","provider":"github"})", kOk},
                     {"GET", "/projects/newcomers", "", kOk},
                 });
    auto roles = as("newcomer").get(api("/roles?size=100")).json();
    std::vector<std::string> names;
    for (const auto& r : roles["items"])
        names.push_back(r["name"]);
    for (const auto& builtin : api::builtin_roles()) {
        EXPECT_NE(std::find(names.begin(), names.end(), builtin.name), names.end()) << builtin.name;
    }
    auto found = as("newcomer").get(api("/roles?search=" + url_encode("name = 'project:owner'"))).json();
    ASSERT_EQ(found["total"], 1);
    EXPECT_EQ(found["items"][0]["id"], owner_role);
    expect_list("newcomer", "/projects", {"newcomers"});
}

TEST_P(Rbac, ListsAreFiltered) {
    build_world();
    const auto& w = w_;
    const auto vi = bind("vi", "project:viewer", "project", {{"project_id", "alpha"}});
    const auto op = bind("op", "agent:operator", "agent", {{"project_id", "alpha"}, {"agent_id", w.ax}});
    const auto sv = bind("sv", "project:viewer", "session", {{"session_id", w.s_ay}});
    const auto cv = bind("cv", "credential:viewer", "credential", {{"credential_id", w.cred_c}});
    const auto co = bind("co", "credential:owner", "credential", {{"credential_id", w.cred_c}});
    const auto grant = made_id("/role_bindings", {{"role_id", role_id("credential:token-reader")},
                                                  {"scope", "credential"},
                                                  {"credential_id", w.cred_c},
                                                  {"project_id", "alpha"}});
    const auto owner_a = binding_of("owner-a", "project:owner", "alpha");
    const auto owner_b = binding_of("owner-b", "project:owner", "beta");

    expect_list("owner-a", "/projects", {"alpha"});
    expect_list("owner-a", "/agents", {w.ax, w.ay});
    expect_list("owner-a", "/sessions", {w.s_a, w.s_ax, w.s_ay});
    expect_list("owner-a", "/credentials", {});
    // Their own, and every binding in alpha: on the project, its agents, its sessions and
    // the credential grants to it.
    expect_list("owner-a", "/role_bindings", {owner_a, vi, op, sv, grant});

    expect_list("owner-b", "/projects", {"beta"});
    expect_list("owner-b", "/agents", {w.bx});
    expect_list("owner-b", "/sessions", {w.s_b, w.s_bx});
    expect_list("owner-b", "/role_bindings", {owner_b});

    expect_list("vi", "/role_bindings", {vi});
    expect_list("op", "/role_bindings", {op});
    expect_list("sv", "/sessions", {w.s_ay});
    expect_list("sv", "/role_bindings", {sv});
    expect_list("cv", "/credentials", {w.cred_c});
    expect_list("cv", "/role_bindings", {cv});
    // The credential's owner manages its bindings, the grant to alpha included.
    expect_list("co", "/credentials", {w.cred_c});
    expect_list("co", "/role_bindings", {co, cv, grant});

    for (const char* path :
         {"/projects", "/agents", "/sessions", "/credentials", "/role_bindings", "/project_settings"})
        expect_list("nobody", path, {});

    // Single bindings: seen where listed, 404 elsewhere.
    expect_cases("owner-a", {
                                {"GET", "/role_bindings/" + vi, "", kOk},
                                {"GET", "/role_bindings/" + sv, "", kOk},
                                {"GET", "/role_bindings/" + owner_b, "", k404},
                                {"GET", "/role_bindings/" + cv, "", k404},
                            });
    expect_cases("vi", {
                           {"GET", "/role_bindings/" + vi, "", kOk},
                           {"GET", "/role_bindings/" + owner_a, "", k404},
                       });
    expect_cases("nobody", {{"GET", "/role_bindings/" + vi, "", k404}});
}

// ---- grant rules ------------------------------------------------------------------------

json binding_body(const std::string& role, const std::string& scope, const std::string& user, const json& where) {
    json body = {{"role_id", role_id(role)}, {"scope", scope}};
    if (!user.empty()) body["user_id"] = user;
    for (const auto& [k, v] : where.items())
        body[k] = v;
    return body;
}

TEST_P(Rbac, EscalationsAreRefused) {
    build_world();
    const auto& w = w_;
    const json at_alpha = {{"project_id", "alpha"}};
    const auto vi = bind("vi", "project:viewer", "project", at_alpha);
    const auto ed = bind("ed", "project:editor", "project", at_alpha);
    const auto owner_a = binding_of("owner-a", "project:owner", "alpha");
    auto post = [](const json& body) { return Case{"POST", "/role_bindings", body.dump(), 0}; };
    auto expecting = [](Case c, int expect) {
        c.expect = expect;
        return c;
    };
    expect_cases(
        "owner-a",
        {
            expecting(post(binding_body("platform:admin", "global", "owner-a", {})), k403),
            expecting(post(binding_body("platform:viewer", "global", "friend", {})), k403),
            expecting(post(binding_body("platform:admin", "project", "friend", at_alpha)), k403),
            expecting(post(binding_body("project:owner", "project", "friend", at_alpha)), k403),
            expecting(post(binding_body("credential:owner", "project", "friend", at_alpha)), k403),
            expecting(post(binding_body("agent:runner", "project", "owner-a", at_alpha)), k403),
            expecting(
                post(binding_body("credential:token-reader", "credential", "owner-a", {{"credential_id", w.cred_c}})),
                k403),
            // Bindings on what the caller cannot see: writes, so 403 (not 404).
            expecting(post(binding_body("credential:token-reader", "credential", "",
                                        {{"credential_id", w.cred_c}, {"project_id", "alpha"}})),
                      k403),
            expecting(post(binding_body("credential:viewer", "credential", "owner-a", {{"credential_id", w.cred_c}})),
                      k403),
            expecting(post(binding_body("project:viewer", "project", "friend", {{"project_id", "beta"}})), k403),
            expecting(
                post(binding_body("project:viewer", "agent", "friend", {{"project_id", "beta"}, {"agent_id", w.bx}})),
                k403),
            expecting(post(binding_body("project:viewer", "session", "friend", {{"session_id", w.s_b}})), k403),
            // Their own binding: no new role, no new user, no new scope.
            {"PATCH", "/role_bindings/" + vi, json{{"user_id", "owner-a"}}.dump(), k403},
            {"PATCH", "/role_bindings/" + vi, json{{"project_id", "beta"}}.dump(), k403},
            {"PATCH", "/role_bindings/" + vi, json{{"scope", "global"}, {"project_id", ""}}.dump(), k403},
            {"PATCH", "/role_bindings/" + vi, json{{"role_id", role_id("project:owner")}}.dump(), k403},
            {"PATCH", "/role_bindings/" + vi, json{{"role_id", role_id("platform:admin")}}.dump(), k403},
        });
    // The last owner may not change their own role at all (409); with a second owner the
    // change is a grant of platform:admin like any other, and refused (403).
    expect_cases("owner-a",
                 {{"PATCH", "/role_bindings/" + owner_a, json{{"role_id", role_id("platform:admin")}}.dump(), k409}});
    bind("owner-a2", "project:owner", "project", at_alpha);
    expect_cases("owner-a",
                 {{"PATCH", "/role_bindings/" + owner_a, json{{"role_id", role_id("platform:admin")}}.dump(), k403},
                  {"PATCH", "/role_bindings/" + owner_a, json{{"scope", "global"}, {"project_id", ""}}.dump(), k403}});

    expect_cases("ed", {
                           expecting(post(binding_body("project:editor", "project", "friend", at_alpha)), k403),
                           expecting(post(binding_body("agent:operator", "agent", "friend",
                                                       {{"project_id", "alpha"}, {"agent_id", w.ax}})),
                                     k403),
                           {"DELETE", "/role_bindings/" + owner_a, "", k403},
                           {"PATCH", "/role_bindings/" + ed, json{{"role_id", role_id("project:owner")}}.dump(), k403},
                           {"PATCH", "/role_bindings/" + ed, json{{"role_id", role_id("platform:admin")}}.dump(), k403},
                       });
    expect_cases("vi", {
                           {"PATCH", "/role_bindings/" + vi, json{{"role_id", role_id("project:editor")}}.dump(), k403},
                           {"DELETE", "/role_bindings/" + ed, "", k403},
                       });
    expect_cases(
        "nobody",
        {
            expecting(post(binding_body("project:viewer", "global", "nobody", {})), k403),
            expecting(post(binding_body("platform:admin", "global", "nobody", {})), k403),
            expecting(post(binding_body("project:viewer", "project", "nobody", at_alpha)), k403),
            // A missing object answers as one the caller may not see.
            expecting(post(binding_body("project:viewer", "project", "nobody", {{"project_id", "no-such-project"}})),
                      k403),
            expecting(post(binding_body("project:viewer", "session", "nobody", {{"session_id", "no-such-session"}})),
                      k403),
        });
    // None of it took: the bindings are what they were.
    expect_list("owner-a", "/projects", {"alpha"});
    expect_list("nobody", "/projects", {});
    EXPECT_EQ(as("owner-a").get(api("/audit_events")).status, 403);
    auto mine = as("owner-a").get(api("/role_bindings/" + owner_a)).json();
    EXPECT_EQ(mine["role_id"], role_id("project:owner"));
    EXPECT_EQ(mine["scope"], "project");
    auto theirs = as("owner-a").get(api("/role_bindings/" + vi)).json();
    EXPECT_EQ(theirs["role_id"], role_id("project:viewer"));
    EXPECT_EQ(theirs["user_id"], "vi");
}

TEST_P(Rbac, TheLastOwnerBindingOfAProjectStays) {
    build_world();
    const auto owner_b = binding_of("owner-b", "project:owner", "beta");
    EXPECT_EQ(admin().del(api("/role_bindings/" + owner_b)).status, 409);
    EXPECT_EQ(
        admin().patch(api("/role_bindings/" + owner_b), json{{"role_id", role_id("project:viewer")}}.dump()).status,
        409);
    expect_cases("owner-b", {{"DELETE", "/role_bindings/" + owner_b, "", k409}});
    EXPECT_EQ(as("owner-b").get(api("/projects/beta")).status, 200);
    // With a second owner, either may go.
    bind("owner-b2", "project:owner", "project", {{"project_id", "beta"}});
    expect_cases("owner-b", {{"DELETE", "/role_bindings/" + owner_b, "", kOk}});
    EXPECT_EQ(as("owner-b").get(api("/projects/beta")).status, 404);
    EXPECT_EQ(as("owner-b2").get(api("/projects/beta")).status, 200);
}

TEST_P(Rbac, OwnersGrantLowerRolesInTheirProject) {
    build_world();
    const auto& w = w_;
    const json at_alpha = {{"project_id", "alpha"}};
    auto owner = as("owner-a");
    EXPECT_EQ(as("newbie").get(api("/projects/alpha")).status, 404);
    auto viewer =
        owner.post(api("/role_bindings"), binding_body("project:viewer", "project", "newbie", at_alpha).dump());
    ASSERT_EQ(viewer.status, 201) << viewer.body;
    expect_cases("newbie", {
                               {"GET", "/projects/alpha", "", kOk},
                               {"POST", "/sessions", R"({"name":"x","project_id":"alpha"})", k403},
                           });
    expect_list("newbie", "/projects", {"alpha"});

    auto editor = owner.post(api("/role_bindings"), binding_body("project:editor", "project", "dev", at_alpha).dump());
    ASSERT_EQ(editor.status, 201) << editor.body;
    expect_cases("dev", {{"POST", "/sessions", R"({"name":"x","project_id":"alpha"})", kOk}});

    // Agent scope: an agent of alpha, not one of beta (400 — the scope is alpha's).
    auto agent = owner.post(
        api("/role_bindings"),
        binding_body("agent:operator", "agent", "runner-person", {{"project_id", "alpha"}, {"agent_id", w.ax}}).dump());
    EXPECT_EQ(agent.status, 201) << agent.body;
    auto foreign = owner.post(
        api("/role_bindings"),
        binding_body("agent:operator", "agent", "runner-person", {{"project_id", "alpha"}, {"agent_id", w.bx}}).dump());
    EXPECT_EQ(foreign.status, 400) << foreign.body;
    expect_cases("runner-person", {{"GET", "/agents/" + w.ax, "", kOk}, {"GET", "/agents/" + w.bx, "", k404}});

    // Promoting a viewer to editor is allowed (below owner), and so is taking it back.
    const std::string viewer_id = viewer.json()["id"];
    expect_cases("owner-a",
                 {{"PATCH", "/role_bindings/" + viewer_id, json{{"role_id", role_id("project:editor")}}.dump(), kOk}});
    expect_cases("newbie", {{"POST", "/sessions", R"({"name":"y","project_id":"alpha"})", kOk}});
    expect_cases("owner-a", {{"DELETE", "/role_bindings/" + viewer_id, "", kOk}});
    EXPECT_EQ(as("newbie").get(api("/projects/alpha")).status, 404);
    // Anyone may drop their own binding.
    const std::string editor_id = editor.json()["id"];
    expect_cases("dev", {{"DELETE", "/role_bindings/" + editor_id, "", kOk}});
    EXPECT_EQ(as("dev").get(api("/projects/alpha")).status, 404);
}

TEST_P(Rbac, CredentialOwnersGrantTheirCredentialToProjectsTheyRun) {
    build_world();
    const auto& w = w_;
    // "co" owns project gamma (with agent gx) and credential k; edits beta; views alpha.
    user_creates_project("co", "gamma");
    const auto gx = made_id("/projects/gamma/agents", {{"name", "gx"}});
    made("/projects", {{"name", "zeta"}});  // nobody's but the service's
    auto created = as("co").post(api("/credentials"), R"({"name":"k","provider":"github","token":"tok-k"})");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string k = created.json()["id"];
    // The creator owns it.
    ASSERT_EQ(as("co").get(api("/credentials/" + k + "/token")).status, 200);
    bind("co", "project:editor", "project", {{"project_id", "beta"}});
    bind("co", "project:viewer", "project", {{"project_id", "alpha"}});
    // A project owner who only views the credential.
    bind("owner-a", "credential:viewer", "credential", {{"credential_id", k}});

    auto grant = [&](const json& where) {
        return Case{"POST", "/role_bindings", binding_body("credential:token-reader", "credential", "", where).dump(),
                    0};
    };
    auto expecting = [](Case c, int expect) {
        c.expect = expect;
        return c;
    };
    const json k_id = {{"credential_id", k}};
    auto with = [&](json extra) {
        json where = k_id;
        for (const auto& [key, v] : extra.items())
            where[key] = v;
        return where;
    };
    expect_cases(
        "co",
        {
            expecting(grant(with({{"project_id", "gamma"}})), kOk),
            expecting(grant(with({{"project_id", "gamma"}, {"agent_id", gx}})), kOk),
            expecting(grant(with({{"project_id", "beta"}})), kOk),  // editor of beta
            expecting(grant(with({{"project_id", "beta"}, {"agent_id", w.bx}})), kOk),
            expecting(grant(with({{"project_id", "alpha"}})), k403),  // only a viewer of alpha
            expecting(grant(with({{"project_id", "alpha"}, {"agent_id", w.ax}})), k403),
            expecting(grant(with({{"project_id", "zeta"}})), k403),                       // doesn't see zeta
            expecting(grant(with({{"project_id", "gamma"}, {"agent_id", w.ax}})), k400),  // ax is alpha's
            // Upstream's form too: credential:viewer, and a grant naming a user (who gets the
            // role on k). Never token-reader to a user alone, never another's credential.
            {"POST", "/role_bindings",
             binding_body("credential:viewer", "credential", "", with({{"project_id", "gamma"}})).dump(), kOk},
            {"POST", "/role_bindings",
             binding_body("credential:token-reader", "credential", "pal", with({{"project_id", "gamma"}})).dump(), kOk},
            {"POST", "/role_bindings", binding_body("credential:token-reader", "credential", "friend", k_id).dump(),
             k403},
            expecting(grant({{"credential_id", w.cred_c}, {"project_id", "gamma"}}), k403),
            // Lower roles on the credential itself to users are fine for its owner.
            {"POST", "/role_bindings", binding_body("credential:viewer", "credential", "friend", k_id).dump(), kOk},
            {"POST", "/role_bindings", binding_body("credential:owner", "credential", "friend", k_id).dump(), k403},
        });
    // Owner of alpha, but only a viewer of k: not theirs to grant.
    expect_cases("owner-a", {expecting(grant(with({{"project_id", "alpha"}})), k403)});
    EXPECT_EQ(as("friend").get(api("/credentials/" + k)).status, 200);
    EXPECT_EQ(as("friend").get(api("/credentials/" + k + "/token")).status, 403);
    EXPECT_EQ(as("pal").get(api("/credentials/" + k + "/token")).status, 200);
}

TEST_P(Rbac, DeletingAProjectRemovesItsBindings) {
    build_world();
    const auto& w = w_;
    bind("vi", "project:viewer", "project", {{"project_id", "alpha"}});
    bind("op", "agent:operator", "agent", {{"project_id", "alpha"}, {"agent_id", w.ax}});
    bind("sv", "project:viewer", "session", {{"session_id", w.s_a}});
    ASSERT_EQ(as("owner-a").del(api("/projects/alpha")).status, 204);
    // No binding on alpha or anything in it is left.
    auto all = admin().get(api("/role_bindings?size=500")).json();
    for (const auto& b : all["items"]) {
        EXPECT_NE(b.value("project_id", ""), "alpha") << b.dump();
        EXPECT_NE(b.value("session_id", ""), w.s_a) << b.dump();
    }
    // Another user takes the name: none of alpha's old members sees the new project.
    user_creates_project("owner-b", "alpha");
    for (const char* user : {"owner-a", "vi", "op", "sv"}) {
        EXPECT_EQ(as(user).get(api("/projects/alpha")).status, 404) << user;
        expect_list(user, "/projects", {});
        expect_list(user, "/role_bindings", {});
    }
    expect_cases("owner-b", {{"GET", "/projects/alpha", "", kOk}});
    expect_list("owner-b", "/projects", {"alpha", "beta"});
}

INSTANTIATE_TEST_SUITE_P(Backends, Rbac, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
