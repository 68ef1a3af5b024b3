// Runner tokens over HTTP, on both databases: the control plane gets one for a live
// session, the public JWKS verifies it, it authenticates only while its session is live,
// the message push rule, and the credentials granted to a session (agent, project, global).
#include <gtest/gtest.h>

#include <map>

#include "api/builtin_roles.hpp"
#include "common/jwt/base64url.hpp"
#include "common/jwt/jwt.hpp"
#include "common/time.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kApi = "/api/ambient/v1";
constexpr const char* kNotRunning = "Invalid token: runner token of a session that is not running";

json header_of(const std::string& token) {
    return json::parse(*jwt::base64url_decode(token.substr(0, token.find('.'))));
}

json payload_of(const std::string& token) {
    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    return json::parse(*jwt::base64url_decode(token.substr(first + 1, second - first - 1)));
}

class RunnerTokens : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        ASSERT_EQ(http().post(std::string(kApi) + "/projects", R"({"name":"proj"})").status, 201);
    }
    std::string session_path(const std::string& id, const std::string& rest = {}) {
        return std::string(kApi) + "/sessions/" + id + rest;
    }
    // A session in `phase` ("" none, else started and then set).
    std::string session(const std::string& phase, const std::string& agent_id = {}) {
        json body = {{"name", "s"}, {"project_id", "proj"}};
        if (!agent_id.empty()) body["agent_id"] = agent_id;
        auto r = http().post(std::string(kApi) + "/sessions", body.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        const std::string id = r.json()["id"];
        if (!phase.empty()) {
            EXPECT_EQ(http().post(session_path(id, "/start"), "").status, 200);
            if (phase != "Pending") set_phase(id, phase);
        }
        return id;
    }
    void set_phase(const std::string& id, const std::string& phase) {
        auto r = http().patch(session_path(id, "/status"), json{{"phase", phase}}.dump());
        EXPECT_EQ(r.status, 200) << r.body;
    }
    HttpResult request_token(const std::string& id, HttpClient* client = nullptr) {
        return (client ? *client : http()).post(session_path(id, "/runner_token"), "");
    }
    std::string token_for(const std::string& id) {
        auto r = request_token(id);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json().value("token", "");
    }
    HttpClient as(const std::string& token) {
        auto c = server_->client(false);
        c.set_bearer(token);
        return c;
    }
    static void expect_not_running(const HttpResult& r, const std::string& token) {
        EXPECT_EQ(r.status, 401) << r.body;
        EXPECT_EQ(r.json()["reason"], kNotRunning);
        EXPECT_EQ(r.body.find(token.substr(0, 40)), std::string::npos);
        EXPECT_EQ(r.body.find(token.substr(token.size() - 30)), std::string::npos);
    }
};

TEST_P(RunnerTokens, TheControlPlaneGetsATokenForALiveSession) {
    for (const char* phase : {"Pending", "Creating", "Running"}) {
        const auto id = session(phase);
        auto r = request_token(id);
        ASSERT_EQ(r.status, 200) << phase << ": " << r.body;
        const auto body = r.json();
        const auto claims = payload_of(body["token"]);
        EXPECT_EQ(claims["sub"], "runner:" + id);
        EXPECT_EQ(claims["session_id"], id);
        EXPECT_EQ(claims["project_id"], "proj");
        EXPECT_EQ(claims["aud"], "ambient-runner");
        EXPECT_EQ(claims["iss"], "ambient-api-server");
        EXPECT_FALSE(claims.contains("agent_id"));
        EXPECT_EQ(claims["exp"].get<std::int64_t>() - claims["iat"].get<std::int64_t>(), 15 * 60);  // the default
        const auto exp = std::chrono::system_clock::time_point{std::chrono::seconds{claims["exp"]}};
        EXPECT_EQ(body["expires_at"], format_rfc3339(exp));
    }
}

TEST_P(RunnerTokens, NoTokenForASessionThatIsNotLiveOrMissing) {
    const auto never_started = session("");
    EXPECT_EQ(request_token(never_started).status, 409);
    for (const char* phase : {"Stopped", "Completed", "Failed"}) {
        auto r = request_token(session(phase));
        EXPECT_EQ(r.status, 409) << phase;
        EXPECT_NE(r.json()["reason"].get<std::string>().find(phase), std::string::npos) << r.body;
    }
    const auto stopping = session("Running");
    ASSERT_EQ(http().post(session_path(stopping, "/stop"), "").status, 200);
    EXPECT_EQ(request_token(stopping).status, 409);
    EXPECT_EQ(request_token("2zzzzzzzzzzzzzzzzzzzzzzzzzz").status, 404);
    const auto deleted = session("Running");
    ASSERT_EQ(http().del(session_path(deleted)).status, 204);
    EXPECT_EQ(request_token(deleted).status, 404);
}

TEST_P(RunnerTokens, OnlyServiceCallersMayRequestTokens) {
    const auto id = session("Running");
    auto anonymous = server_->client(false);
    EXPECT_EQ(request_token(id, &anonymous).status, 401);
    auto runner = as(token_for(id));
    EXPECT_EQ(request_token(id, &runner).status, 403);
    // The batch mint likewise (users: security/ssrf_test.cpp).
    const auto batch = json{{"session_ids", {id}}}.dump();
    EXPECT_EQ(anonymous.post(std::string(kApi) + "/runner_tokens", batch).status, 401);
    EXPECT_EQ(runner.post(std::string(kApi) + "/runner_tokens", batch).status, 403);
}

// POST /runner_tokens: the control plane's refresh pass in few requests. Each session is
// checked as by the single mint; one that cannot have a token is an error entry.
TEST_P(RunnerTokens, TheControlPlaneGetsTokensForManySessionsInOneRequest) {
    std::vector<std::string> live;
    for (const char* phase : {"Pending", "Creating", "Running"})
        live.push_back(session(phase));
    const auto never_started = session("");
    const auto stopped = session("Stopped");
    const auto deleted = session("Running");
    ASSERT_EQ(http().del(session_path(deleted)).status, 204);
    const std::string unknown = "2zzzzzzzzzzzzzzzzzzzzzzzzzz";
    const json ids = {live[0], never_started, live[1], stopped, deleted, unknown, live[2], live[0]};
    auto r = http().post(std::string(kApi) + "/runner_tokens", json{{"session_ids", ids}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = r.json();
    ASSERT_EQ(body["items"].size(), 3u) << r.body;  // live[0] once, though asked for twice
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& item = body["items"][i];
        EXPECT_EQ(item["session_id"], live[i]);
        const auto claims = payload_of(item["token"]);
        EXPECT_EQ(claims["session_id"], live[i]);
        EXPECT_EQ(claims["project_id"], "proj");
        EXPECT_EQ(item["expires_at"], format_rfc3339(std::chrono::system_clock::time_point{
                                          std::chrono::seconds{claims["exp"].get<std::int64_t>()}}));
        // The runner routes take it, as they take a token of the single mint.
        auto runner = as(item["token"]);
        EXPECT_EQ(runner.get(session_path(live[i])).status, 200);
        EXPECT_EQ(runner.post(session_path(live[i], "/messages"), R"({"event_type":"assistant","payload":"x"})").status,
                  201);
        EXPECT_EQ(runner.get(session_path(live[i == 0 ? 1 : 0])).status, 404);
    }
    std::map<std::string, int> errors;
    for (const auto& e : body["errors"]) {
        errors[e["session_id"]] = e["status"];
        EXPECT_EQ(e["code"], e["status"] == 404 ? "ambient-api-server-7" : "ambient-api-server-6") << e.dump();
        EXPECT_FALSE(e["reason"].get<std::string>().empty());
    }
    EXPECT_EQ(errors,
              (std::map<std::string, int>{{never_started, 409}, {stopped, 409}, {deleted, 404}, {unknown, 404}}));
}

TEST_P(RunnerTokens, TheBatchMintRefusesBadBodies) {
    const std::string path = std::string(kApi) + "/runner_tokens";
    json too_many = json::array();
    for (int i = 0; i < 1001; ++i)
        too_many.push_back("s" + std::to_string(i));
    for (const std::string& bad :
         {std::string("not json"), std::string("{}"), std::string(R"({"session_ids":"x"})"),
          std::string(R"({"session_ids":[1]})"), std::string("[]"), json{{"session_ids", too_many}}.dump()}) {
        auto r = http().post(path, bad);
        EXPECT_EQ(r.status, 400) << bad.substr(0, 40) << ": " << r.body;
    }
    auto r = http().post(path, R"({"session_ids":[]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json(), (json{{"items", json::array()}, {"errors", json::array()}}));
}

TEST_P(RunnerTokens, ThePublicJwksVerifiesTheToken) {
    const auto id = session("Running");
    const auto token = token_for(id);
    auto r = server_->client(false).get(std::string(kApi) + "/runner_tokens/jwks");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto keys = r.json();
    ASSERT_EQ(keys["keys"].size(), 1u);
    EXPECT_EQ(keys["keys"][0]["kty"], "EC");
    EXPECT_FALSE(keys["keys"][0].contains("d"));
    const auto verified = jwt::verify(token, jwt::Jwks::parse(r.body), {.audience = "ambient-runner"});
    EXPECT_EQ(verified.claims["session_id"], id);
    EXPECT_THROW(jwt::verify(token, jwt::Jwks::parse(r.body), {.audience = "ambient-api"}), jwt::JwtError);
}

TEST_P(RunnerTokens, TheTokenReadsItsOwnSessionWhileItIsLive) {
    const auto id = session("Pending");
    const auto token = token_for(id);
    auto runner = as(token);
    auto r = runner.get(session_path(id));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["id"], id);
    set_phase(id, "Creating");
    EXPECT_EQ(runner.get(session_path(id)).status, 200);
    set_phase(id, "Running");
    EXPECT_EQ(runner.get(session_path(id)).status, 200);
    EXPECT_EQ(runner.get(session_path(id, "/messages")).status, 200);
}

TEST_P(RunnerTokens, StoppingTheSessionRevokesTheTokenAtOnce) {
    const auto id = session("Running");
    const auto token = token_for(id);
    auto runner = as(token);
    ASSERT_EQ(runner.get(session_path(id)).status, 200);
    ASSERT_EQ(http().post(session_path(id, "/stop"), "").status, 200);
    expect_not_running(runner.get(session_path(id)), token);
    expect_not_running(runner.post(session_path(id, "/messages"), R"({"event_type":"assistant","payload":"x"})"),
                       token);
    for (const char* phase : {"Stopped", "Completed", "Failed"}) {
        set_phase(id, phase);
        expect_not_running(runner.get(session_path(id)), token);
    }

    server_->process().stop();
    EXPECT_EQ(server_->process().log().find(token.substr(0, 40)), std::string::npos);
}

TEST_P(RunnerTokens, RestartingTheSessionDoesNotReviveAnEarlierRunsToken) {
    const auto id = session("Running");
    const auto old_token = token_for(id);
    ASSERT_EQ(http().post(session_path(id, "/stop"), "").status, 200);
    set_phase(id, "Stopped");
    ASSERT_EQ(http().post(session_path(id, "/start"), "").status, 200);
    expect_not_running(as(old_token).get(session_path(id)), old_token);
    EXPECT_EQ(as(token_for(id)).get(session_path(id)).status, 200);
}

TEST_P(RunnerTokens, DeletingTheSessionRevokesTheToken) {
    const auto id = session("Running");
    const auto token = token_for(id);
    auto runner = as(token);
    ASSERT_EQ(runner.get(session_path(id)).status, 200);
    ASSERT_EQ(http().del(session_path(id)).status, 204);
    expect_not_running(runner.get(session_path(id)), token);
}

TEST_P(RunnerTokens, ForgedOrForeignRunnerTokensAre401) {
    const auto id = session("Running");
    const auto good = token_for(id);
    const auto other = session("Running");
    const auto stranger = jwt::generate_key(jwt::Algorithm::ES256);
    const std::string kid = header_of(good)["kid"];
    const auto claims = payload_of(good);
    auto for_other = claims;
    for_other["session_id"] = other;
    for_other["sub"] = "runner:" + other;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"our kid, another key", jwt::sign(claims, stranger.get(), jwt::Algorithm::ES256, kid)},
        {"unknown kid", jwt::sign(claims, stranger.get(), jwt::Algorithm::ES256, "someone-else")},
        {"payload switched to another session",
         good.substr(0, good.find('.') + 1) + jwt::base64url_encode(for_other.dump()) + good.substr(good.rfind('.'))},
        {"runner audience, no signature", good.substr(0, good.rfind('.') + 1)},
    };
    for (const auto& [name, token] : cases) {
        auto r = as(token).get(session_path(id));
        EXPECT_EQ(r.status, 401) << name << ": " << r.body;
        EXPECT_EQ(r.body.find(token.substr(0, 40)), std::string::npos) << name;
    }
    // The good one still works.
    EXPECT_EQ(as(good).get(session_path(id)).status, 200);
    // Service tokens keep working beside runner tokens.
    EXPECT_EQ(http().get(std::string(kApi) + "/projects").status, 200);
}

TEST_P(RunnerTokens, RunnersPushAnyEventButUserAndOthersOnlyUser) {
    const auto id = session("Running");
    auto runner = as(token_for(id));
    const auto messages = session_path(id, "/messages");
    for (const char* type : {"assistant", "TEXT_MESSAGE_CONTENT", "system"}) {
        auto r = runner.post(messages, json{{"event_type", type}, {"payload", "hi"}}.dump());
        ASSERT_EQ(r.status, 201) << type << ": " << r.body;
        EXPECT_EQ(r.json()["event_type"], type);
    }
    for (const std::string body : {R"({"event_type":"user","payload":"x"})", R"({"payload":"x"})"}) {
        auto r = runner.post(messages, body);
        EXPECT_EQ(r.status, 403) << body;
        EXPECT_EQ(r.json()["reason"], "runner tokens cannot push user messages");
    }

    auto r = http().post(messages, R"({"event_type":"assistant","payload":"x"})");
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.json()["reason"], "only the session's runner may push event_type 'assistant'");
    const std::string long_type = std::string(64, 'a') + std::string(100, 'b');
    r = http().post(messages, json{{"event_type", long_type}, {"payload", "x"}}.dump());
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.json()["reason"], "only the session's runner may push event_type '" + std::string(64, 'a') + "'");
    EXPECT_EQ(http().post(messages, R"({"event_type":"user","payload":"x"})").status, 201);

    auto list = http().get(messages).json();
    ASSERT_EQ(list.size(), 4u);
    EXPECT_EQ(list[0]["event_type"], "assistant");
    EXPECT_EQ(list[3]["event_type"], "user");
}

TEST_P(RunnerTokens, TheTtlIsConfigurable) {
    server_ = std::make_unique<ApiServer>(GetParam(), std::vector<std::string>{"--runner-token-ttl", "2m"});
    http_.emplace(server_->client());
    ASSERT_EQ(http().post(std::string(kApi) + "/projects", R"({"name":"proj"})").status, 201);
    const auto claims = payload_of(token_for(session("Running")));
    EXPECT_EQ(claims["exp"].get<std::int64_t>() - claims["iat"].get<std::int64_t>(), 120);
}

TEST_P(RunnerTokens, ReplicasOnOneDatabaseShareTheSigningKey) {
    const auto id = session("Running");
    const auto token = token_for(id);
    ApiServer replica(SharedDatabase{*server_});
    auto runner = replica.client(false);
    runner.set_bearer(token);
    EXPECT_EQ(runner.get(session_path(id)).status, 200);
    auto other = replica.client();
    auto r = other.post(session_path(id, "/runner_token"), "");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(as(r.json()["token"]).get(session_path(id)).status, 200);
    EXPECT_EQ(replica.client(false).get(std::string(kApi) + "/runner_tokens/jwks").json(),
              server_->client(false).get(std::string(kApi) + "/runner_tokens/jwks").json());
}

class SessionCredentials : public RunnerTokens {
protected:
    std::string credential(const std::string& name) {
        auto r = http().post(std::string(kApi) + "/credentials",
                             json{{"name", name}, {"provider", "github"}, {"token", "secret-" + name}}.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json()["id"];
    }
    void bind(const std::string& credential_id, const std::string& project, const std::string& agent,
              const std::string& role = "credential:token-reader", const std::string& user = {}) {
        json body = {
            {"role_id", api::builtin_role_id(role)}, {"scope", "credential"}, {"credential_id", credential_id}};
        if (!project.empty()) body["project_id"] = project;
        if (!agent.empty()) body["agent_id"] = agent;
        if (!user.empty()) body["user_id"] = user;
        auto r = http().post(std::string(kApi) + "/role_bindings", body.dump());
        ASSERT_EQ(r.status, 201) << r.body;
    }
    std::vector<std::pair<std::string, std::string>> granted(const std::string& session_id,
                                                             HttpClient* client = nullptr) {
        auto r = (client ? *client : http()).get(session_path(session_id, "/credentials"));
        EXPECT_EQ(r.status, 200) << r.body;
        const auto body = r.json();
        EXPECT_EQ(body["kind"], "SessionCredentialList");
        EXPECT_EQ(body["session_id"], session_id);
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& item : body["items"]) {
            EXPECT_EQ(item["provider"], "github");
            EXPECT_FALSE(item.contains("token"));
            out.emplace_back(item["name"], item["grant"]);
        }
        return out;
    }
};

TEST_P(SessionCredentials, GrantsResolveAgentThenProjectThenGlobal) {
    ASSERT_EQ(http().post(std::string(kApi) + "/projects", R"({"name":"other"})").status, 201);
    // A grant names a real agent of the project.
    auto agent_named = [&](const std::string& name) {
        auto r = http().post(std::string(kApi) + "/projects/proj/agents", json{{"name", name}}.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json().value("id", std::string());
    };
    const auto agent_a = agent_named("agent-a");
    const auto agent_b = agent_named("agent-b");
    // Created in the reverse of the resolution order, so the order is the grants', not creation's.
    const auto global2 = credential("global-2");
    const auto global1 = credential("global-1");
    const auto project = credential("project");
    const auto agent = credential("agent");
    const auto both = credential("agent-and-global");
    const auto other_project = credential("other-project");
    const auto other_agent = credential("other-agent");
    const auto user_only = credential("user-only");
    const auto viewer_grant = credential("viewer-grant");
    const auto deleted = credential("deleted");
    bind(global2, "", "");
    bind(global1, "", "");
    bind(project, "proj", "");
    bind(agent, "proj", agent_a);
    bind(both, "", "");
    bind(both, "proj", agent_a);
    bind(other_project, "other", "");
    bind(other_agent, "proj", agent_b);
    // A user's own binding with no project grants nothing to sessions; a credential:viewer
    // grant to the project (upstream's form) does, as token-reader would.
    bind(user_only, "", "", "credential:token-reader", "ada");
    bind(viewer_grant, "proj", "", "credential:viewer");
    bind(deleted, "proj", "");
    ASSERT_EQ(http().del(std::string(kApi) + "/credentials/" + deleted).status, 204);

    using Grants = std::vector<std::pair<std::string, std::string>>;
    const auto with_agent = session("Running", agent_a);
    EXPECT_EQ(granted(with_agent), (Grants{{"agent", "agent"},
                                           {"agent-and-global", "agent"},
                                           {"project", "project"},
                                           {"viewer-grant", "project"},
                                           {"global-2", "global"},
                                           {"global-1", "global"}}));
    const auto without_agent = session("Running");
    EXPECT_EQ(granted(without_agent), (Grants{{"project", "project"},
                                              {"viewer-grant", "project"},
                                              {"global-2", "global"},
                                              {"global-1", "global"},
                                              {"agent-and-global", "global"}}));
    // The runner lists its own session's grants; a session that is gone is a 404.
    auto runner = as(token_for(with_agent));
    EXPECT_EQ(granted(with_agent, &runner).size(), 6u);
    EXPECT_EQ(http().get(session_path("2zzzzzzzzzzzzzzzzzzzzzzzzzz", "/credentials")).status, 404);
}

// What a runner token may do, and nothing more: issue 4's runner-token scenario.
TEST_P(SessionCredentials, ARunnerReadsItsSessionAndGrantedCredentialsOnly) {
    const auto granted_cred = credential("granted");
    const auto ungranted_cred = credential("ungranted");
    bind(granted_cred, "proj", "");
    const auto a = session("Running");
    const auto b = session("Running");
    auto runner = as(token_for(a));

    // Its own session and messages.
    EXPECT_EQ(runner.get(session_path(a)).status, 200);
    EXPECT_EQ(runner.post(session_path(a, "/messages"), R"({"event_type":"assistant","payload":"hi"})").status, 201);
    auto messages = runner.get(session_path(a, "/messages"));
    ASSERT_EQ(messages.status, 200) << messages.body;
    EXPECT_NE(messages.body.find("\"hi\""), std::string::npos) << messages.body;
    EXPECT_EQ(runner.post(session_path(a, "/messages"), R"({"event_type":"user","payload":"x"})").status, 403);

    // The credential granted to its project: the token, audited as the runner.
    auto token = runner.get(std::string(kApi) + "/credentials/" + granted_cred + "/token");
    ASSERT_EQ(token.status, 200) << token.body;
    EXPECT_EQ(token.json()["token"], "secret-granted");
    auto ungranted = runner.get(std::string(kApi) + "/credentials/" + ungranted_cred + "/token");
    EXPECT_EQ(ungranted.status, 403) << ungranted.body;
    EXPECT_EQ(ungranted.body.find("secret-ungranted"), std::string::npos);
    auto audit = http()
                     .get(std::string(kApi) + "/audit_events?search=" + url_encode("actor = 'runner:" + a + "'") +
                          "&orderBy=created_at")
                     .json();
    ASSERT_EQ(audit["total"], 2) << audit.dump();
    EXPECT_EQ(audit["items"][0]["target_id"], granted_cred);
    EXPECT_EQ(audit["items"][0]["outcome"], "allowed");
    EXPECT_EQ(audit["items"][0]["session_id"], a);
    EXPECT_EQ(audit["items"][1]["target_id"], ungranted_cred);
    EXPECT_EQ(audit["items"][1]["outcome"], "denied");

    // Another session does not exist for it; everything else is refused.
    EXPECT_EQ(runner.get(session_path(b)).status, 404);
    EXPECT_EQ(runner.get(session_path(b, "/messages")).status, 404);
    EXPECT_EQ(runner.post(session_path(b, "/messages"), R"({"event_type":"assistant","payload":"x"})").status, 404);
    EXPECT_EQ(runner.get(std::string(kApi) + "/sessions").status, 403);
    EXPECT_EQ(runner.get(std::string(kApi) + "/projects/proj").status, 403);
    EXPECT_EQ(runner.post(session_path(a, "/stop"), "").status, 403);
    EXPECT_EQ(runner.get(std::string(kApi) + "/credentials/" + granted_cred).status, 403);
    EXPECT_EQ(runner.post(session_path(a, "/runner_token"), "").status, 403);

    // Once its session stops, the token is worth nothing.
    ASSERT_EQ(http().post(session_path(a, "/stop"), "").status, 200);
    EXPECT_EQ(runner.get(std::string(kApi) + "/credentials/" + granted_cred + "/token").status, 401);
}

INSTANTIATE_TEST_SUITE_P(Backends, RunnerTokens, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, SessionCredentials, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         backend_name);

}  // namespace
}  // namespace ambient::testing
