// Credential grants in upstream's form, end to end on both databases: a role binding of
// scope 'credential' with a project (and maybe an agent) gives the credential to that
// project's or agent's sessions — as credential:viewer (what upstream's CLI sends) or
// credential:token-reader, naming a user or not — and their runners read its token. Who may
// make and remove such grants, the last owner of a credential, and editors granting below
// themselves.
//
//   GrantsReachTheirProjectOrAgentOnly   every role x user x target form: which runners read
//   WhoMayGrant / WhoMayRemoveAGrant     the grant rules for credential grants
//   RevokingAGrantCutsTheRunnerOff       a runner reads, the grant goes, the runner is refused
//   TheLastOwnerOfACredentialStays       409 for its last credential:owner binding
//   EditorsGrantBelowThemselves          project:viewer and agent:observer, nothing more
#include <gtest/gtest.h>

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

std::string api(const std::string& rest) {
    return "/api/ambient/v1" + rest;
}

std::string role_id(const std::string& name) {
    return api::builtin_role_id(name);
}

// A binding's body: `where` holds the scope's ids.
json binding(const std::string& role, const std::string& scope, const std::string& user, const json& where) {
    json body = {{"role_id", role_id(role)}, {"scope", scope}};
    if (!user.empty()) body["user_id"] = user;
    for (const auto& [k, v] : where.items())
        body[k] = v;
    return body;
}

// A grant of `credential` to a project (and agent), optionally naming a user.
json grant(const std::string& role, const std::string& credential, const std::string& project,
           const std::string& agent = {}, const std::string& user = {}) {
    json where = {{"credential_id", credential}};
    if (!project.empty()) where["project_id"] = project;
    if (!agent.empty()) where["agent_id"] = agent;
    return binding(role, "credential", user, where);
}

// The world of every test: "ann" owns project alpha (agents a1, a2), "bob" owns beta (agent
// b1); "ed" edits alpha, "vic" views it.
class CredentialGrants : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        jwks_path_ = dir_.path() / "jwks.json";
        std::ofstream(jwks_path_)
            << json{{"keys", {jwt::public_jwk(key_.get(), jwt::Algorithm::ES256, "grants")}}}.dump();
        server_ = std::make_unique<ApiServer>(
            GetParam(), std::vector<std::string>{"--jwk-cert-file", jwks_path_.string(), "--oidc-issuer", kIssuer,
                                                 "--oidc-audience", kAudience});
        admin_.emplace(server_->client());
        created(as("ann").post(api("/projects"), R"({"name":"alpha"})"));
        created(as("bob").post(api("/projects"), R"({"name":"beta"})"));
        a1_ = id_of(admin().post(api("/projects/alpha/agents"), R"({"name":"a1"})"));
        a2_ = id_of(admin().post(api("/projects/alpha/agents"), R"({"name":"a2"})"));
        b1_ = id_of(admin().post(api("/projects/beta/agents"), R"({"name":"b1"})"));
        bind("ed", "project:editor", "project", {{"project_id", "alpha"}});
        bind("vic", "project:viewer", "project", {{"project_id", "alpha"}});
    }

    void TearDown() override {
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
        const json claims = {{"preferred_username", user}, {"sub", "sub-" + user}, {"iss", kIssuer},
                             {"aud", kAudience},           {"iat", now},           {"exp", now + 3600}};
        auto c = server_->client(false);
        c.set_bearer(jwt::sign(claims, key_.get(), jwt::Algorithm::ES256, "grants"));
        return c;
    }
    HttpClient& admin() { return *admin_; }

    static json created(const HttpResult& r) {
        EXPECT_EQ(r.status, 201) << r.body;
        return r.status == 201 ? r.json() : json::object();
    }
    static std::string id_of(const HttpResult& r) { return created(r).value("id", std::string("missing")); }

    // Binds with the service token (a platform admin).
    std::string bind(const std::string& user, const std::string& role, const std::string& scope, const json& where) {
        return id_of(admin().post(api("/role_bindings"), binding(role, scope, user, where).dump()));
    }
    // `user` creates a credential, and so owns it.
    std::string credential(const std::string& user, const std::string& name) {
        const json body = {{"name", name}, {"provider", "github"}, {"token", "secret-" + name}};
        return id_of(as(user).post(api("/credentials"), body.dump()));
    }
    // A running session of project (and agent), and a client holding its runner token.
    std::string running_session(const std::string& project, const std::string& agent = {}) {
        json body = {{"name", "s"}, {"project_id", project}};
        if (!agent.empty()) body["agent_id"] = agent;
        const auto id = id_of(admin().post(api("/sessions"), body.dump()));
        EXPECT_EQ(admin().post(api("/sessions/" + id + "/start"), "").status, 200);
        EXPECT_EQ(admin().patch(api("/sessions/" + id + "/status"), R"({"phase":"Running"})").status, 200);
        return id;
    }
    HttpClient runner_of(const std::string& session) {
        auto r = admin().post(api("/sessions/" + session + "/runner_token"), "");
        EXPECT_EQ(r.status, 200) << r.body;
        auto c = server_->client(false);
        c.set_bearer(r.status == 200 ? r.json().value("token", "") : "none");
        return c;
    }
    static int token_read(HttpClient& c, const std::string& credential) {
        return c.get(api("/credentials/" + credential + "/token")).status;
    }
    // Whether GET /sessions/{id}/credentials (as the session's runner) lists the credential.
    static bool listed(HttpClient& runner, const std::string& session, const std::string& credential) {
        auto r = runner.get(api("/sessions/" + session + "/credentials"));
        EXPECT_EQ(r.status, 200) << r.body;
        for (const auto& item : r.json().value("items", json::array())) {
            if (item.value("credential_id", "") == credential) return true;
        }
        return false;
    }
    // The live binding of `user` as `role` on `credential`, seen by the service.
    std::string binding_of(const std::string& user, const std::string& role, const std::string& credential) {
        const auto all = admin().get(api("/role_bindings?size=500")).json();
        for (const auto& b : all["items"]) {
            if (b.value("user_id", "") == user && b.value("role_id", "") == role_id(role) &&
                b.value("credential_id", "") == credential) {
                return b["id"];
            }
        }
        ADD_FAILURE() << "no binding of " << user << " as " << role << " on " << credential;
        return "missing";
    }

    TempDir dir_;
    std::filesystem::path jwks_path_;
    jwt::PkeyPtr key_ = jwt::generate_key(jwt::Algorithm::ES256);
    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> admin_;
    std::string a1_, a2_, b1_;
};

// Each form of grant upstream's contract allows reaches the runners of its project or agent,
// and no other runner; a user it names holds the role on the credential.
TEST_P(CredentialGrants, GrantsReachTheirProjectOrAgentOnly) {
    struct Form {
        std::string role, user;
        bool to_agent;
    };
    const std::vector<Form> forms = {
        {"credential:viewer", "", false},          {"credential:viewer", "", true},
        {"credential:viewer", "una", false},       {"credential:viewer", "una", true},
        {"credential:token-reader", "", false},    {"credential:token-reader", "", true},
        {"credential:token-reader", "una", false}, {"credential:token-reader", "una", true},
    };
    const auto in_alpha = running_session("alpha");
    const auto of_a1 = running_session("alpha", a1_);
    const auto of_a2 = running_session("alpha", a2_);
    const auto in_beta = running_session("beta", b1_);
    auto alpha_runner = runner_of(in_alpha);
    auto a1_runner = runner_of(of_a1);
    auto a2_runner = runner_of(of_a2);
    auto beta_runner = runner_of(in_beta);
    int n = 0;
    for (const auto& f : forms) {
        const std::string what =
            f.role + (f.user.empty() ? "" : " to " + f.user) + (f.to_agent ? " on a1" : " on alpha");
        const auto k = credential("ann", "k" + std::to_string(n++));
        auto r = as("ann").post(api("/role_bindings"), grant(f.role, k, "alpha", f.to_agent ? a1_ : "", f.user).dump());
        ASSERT_EQ(r.status, 201) << what << ": " << r.body;

        EXPECT_EQ(token_read(a1_runner, k), 200) << what;
        EXPECT_TRUE(listed(a1_runner, of_a1, k)) << what;
        const int elsewhere_in_alpha = f.to_agent ? 403 : 200;
        EXPECT_EQ(token_read(alpha_runner, k), elsewhere_in_alpha) << what;
        EXPECT_EQ(token_read(a2_runner, k), elsewhere_in_alpha) << what;
        EXPECT_EQ(listed(a2_runner, of_a2, k), !f.to_agent) << what;
        EXPECT_EQ(token_read(beta_runner, k), 403) << what;
        EXPECT_FALSE(listed(beta_runner, in_beta, k)) << what;

        // The named user holds the role on the credential: it sees it; only token-reader reads it.
        if (!f.user.empty()) {
            EXPECT_EQ(as(f.user).get(api("/credentials/" + k)).status, f.role == "credential:viewer" ? 200 : 403)
                << what;
            auto reader = as(f.user);
            EXPECT_EQ(token_read(reader, k), f.role == "credential:viewer" ? 403 : 200) << what;
            ASSERT_EQ(as("una").del(api("/role_bindings/" + binding_of("una", f.role, k))).status, 204) << what;
        }
    }
}

TEST_P(CredentialGrants, WhoMayGrant) {
    const auto anns = credential("ann", "anns");
    const auto vics = credential("vic", "vics");
    const auto carls = credential("carl", "carls");
    bind("ann", "credential:viewer", "credential", {{"credential_id", carls}});
    struct Case {
        std::string user;
        json body;
        int expect;
        std::string why;
    };
    const std::vector<Case> cases = {
        {"vic", grant("credential:viewer", vics, "alpha"), 403, "owns the credential, only views the project"},
        {"vic", grant("credential:token-reader", vics, "alpha"), 403, "owns the credential, only views the project"},
        {"ann", grant("credential:viewer", carls, "alpha"), 403, "owns the project, only views the credential"},
        {"ann", grant("credential:token-reader", carls, "alpha"), 403, "owns the project, only views the credential"},
        {"ann", grant("credential:viewer", anns, ""), 403, "a global grant: admins only"},
        {"ann", grant("credential:token-reader", anns, ""), 403, "a global grant: admins only"},
        {"ann", grant("credential:viewer", anns, "", a1_), 400, "agent_id without project_id"},
        {"ann", grant("credential:viewer", anns, "alpha", b1_), 400, "b1 is beta's agent"},
        {"ann", grant("credential:owner", anns, "alpha", "", "una"), 403, "only viewer or token-reader"},
        {"ann", grant("credential:viewer", anns, "alpha", a1_), 201, "owner of both"},
        {"ann", grant("credential:viewer", anns, "alpha", "", "una"), 201, "owner of both, naming a user"},
    };
    for (const auto& c : cases) {
        auto r = as(c.user).post(api("/role_bindings"), c.body.dump());
        EXPECT_EQ(r.status, c.expect) << c.user << " (" << c.why << "): " << c.body.dump() << " -> " << r.body;
    }
    // An admin may grant a credential to every session.
    EXPECT_EQ(admin().post(api("/role_bindings"), grant("credential:viewer", anns, "").dump()).status, 201);
}

// Revoking is easier than granting: the credential's owner or an owner or editor of the
// project, not a viewer of it.
TEST_P(CredentialGrants, WhoMayRemoveAGrant) {
    bind("cora", "project:editor", "project", {{"project_id", "alpha"}});
    const auto k = credential("cora", "k");
    auto make = [&](const json& body) { return id_of(as("cora").post(api("/role_bindings"), body.dump())); };
    const auto by_owner = make(grant("credential:viewer", k, "alpha"));
    const auto by_editor = make(grant("credential:token-reader", k, "alpha"));
    const auto by_project_owner = make(grant("credential:viewer", k, "alpha", a1_));
    const auto refused = make(grant("credential:token-reader", k, "alpha", a1_));

    EXPECT_EQ(as("vic").del(api("/role_bindings/" + refused)).status, 403);
    // A write: refused alike whether or not the outsider could know the binding exists.
    EXPECT_EQ(as("bob").del(api("/role_bindings/" + refused)).status, 403);
    EXPECT_EQ(as("cora").del(api("/role_bindings/" + by_owner)).status, 204);
    EXPECT_EQ(as("ed").del(api("/role_bindings/" + by_editor)).status, 204);
    EXPECT_EQ(as("ann").del(api("/role_bindings/" + by_project_owner)).status, 204);
    for (const auto& gone : {by_owner, by_editor, by_project_owner})
        EXPECT_EQ(admin().get(api("/role_bindings/" + gone)).status, 404);
    EXPECT_EQ(admin().get(api("/role_bindings/" + refused)).status, 200);
}

TEST_P(CredentialGrants, RevokingAGrantCutsTheRunnerOff) {
    const auto k = credential("ann", "k");
    const auto g = id_of(as("ann").post(api("/role_bindings"), grant("credential:viewer", k, "alpha", a1_).dump()));
    const auto session = running_session("alpha", a1_);
    auto runner = runner_of(session);
    auto r = runner.get(api("/credentials/" + k + "/token"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["token"], "secret-k");
    ASSERT_EQ(as("ed").del(api("/role_bindings/" + g)).status, 204);
    EXPECT_EQ(token_read(runner, k), 403);
    EXPECT_FALSE(listed(runner, session, k));
}

TEST_P(CredentialGrants, TheLastOwnerOfACredentialStays) {
    const auto k = credential("ann", "k");
    const auto anns = binding_of("ann", "credential:owner", k);
    const json to_viewer = {{"role_id", role_id("credential:viewer")}};
    EXPECT_EQ(as("ann").del(api("/role_bindings/" + anns)).status, 409);
    EXPECT_EQ(as("ann").patch(api("/role_bindings/" + anns), to_viewer.dump()).status, 409);
    EXPECT_EQ(admin().del(api("/role_bindings/" + anns)).status, 409);
    EXPECT_EQ(admin().patch(api("/role_bindings/" + anns), to_viewer.dump()).status, 409);
    EXPECT_EQ(as("ann").get(api("/credentials/" + k + "/token")).status, 200);

    // With a second owner, either may go; then the other is the last.
    const auto second = bind("otto", "credential:owner", "credential", {{"credential_id", k}});
    EXPECT_EQ(as("ann").patch(api("/role_bindings/" + anns), to_viewer.dump()).status, 200);
    EXPECT_EQ(as("otto").del(api("/role_bindings/" + second)).status, 409);
    EXPECT_EQ(
        admin().patch(api("/role_bindings/" + anns), json{{"role_id", role_id("credential:owner")}}.dump()).status,
        200);
    EXPECT_EQ(as("otto").del(api("/role_bindings/" + second)).status, 204);

    // Deleting the credential removes its bindings, the last owner's included.
    ASSERT_EQ(as("ann").del(api("/credentials/" + k)).status, 204);
    const auto all = admin().get(api("/role_bindings?size=500")).json();
    for (const auto& b : all["items"])
        EXPECT_NE(b.value("credential_id", ""), k) << b.dump();
}

TEST_P(CredentialGrants, EditorsGrantBelowThemselves) {
    auto post = [&](const json& body) { return as("ed").post(api("/role_bindings"), body.dump()); };
    const json at_alpha = {{"project_id", "alpha"}};
    const json at_a1 = {{"project_id", "alpha"}, {"agent_id", a1_}};
    auto viewer = post(binding("project:viewer", "project", "newv", at_alpha));
    ASSERT_EQ(viewer.status, 201) << viewer.body;
    EXPECT_EQ(as("newv").get(api("/projects/alpha")).status, 200);
    auto observer = post(binding("agent:observer", "agent", "newo", at_a1));
    EXPECT_EQ(observer.status, 201) << observer.body;
    EXPECT_EQ(as("newo").get(api("/agents/" + a1_)).status, 200);
    EXPECT_EQ(post(binding("project:editor", "project", "x", at_alpha)).status, 403);
    EXPECT_EQ(post(binding("project:owner", "project", "x", at_alpha)).status, 403);
    EXPECT_EQ(post(binding("agent:operator", "agent", "x", at_a1)).status, 403);
    EXPECT_EQ(post(binding("platform:viewer", "global", "x", json::object())).status, 403);
    EXPECT_EQ(post(binding("agent:runner", "project", "x", at_alpha)).status, 403);
    EXPECT_EQ(post(binding("project:viewer", "project", "x", {{"project_id", "beta"}})).status, 403);
    // A viewer grants nothing.
    EXPECT_EQ(as("vic").post(api("/role_bindings"), binding("project:viewer", "project", "y", at_alpha).dump()).status,
              403);

    EXPECT_EQ(as("ed").del(api("/role_bindings/" + viewer.json()["id"].get<std::string>())).status, 204);
    EXPECT_EQ(as("newv").get(api("/projects/alpha")).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, CredentialGrants, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         backend_name);

}  // namespace
}  // namespace ambient::testing
