// Issue 9, item 9: existence oracles. Creating a credential, session or settings in a project
// the caller cannot see, or naming an invisible parent_session_id, must answer exactly as for
// one that does not exist (403 `Forbidden` for writes; reads stay 404); the start-prompt
// previews show only what the caller may read.
#include "security/bindings.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

class ExistenceOracle : public SecurityTest {
protected:
    void SetUp() override {
        SecurityTest::SetUp();
        user_creates_project("alice", "secret-proj");
        user_creates_project("mallory", "mallory-proj");
        auto r = as("alice").post(api_path("/sessions"), json{{"name", "s"}, {"project_id", "secret-proj"}}.dump());
        ASSERT_EQ(r.status, 201) << r.body;
        alices_session_ = r.json()["id"];
    }
    std::string alices_session_;
};

// The body of a refusal without what names the object, to compare two refusals.
json refusal(const HttpResult& r) {
    auto body = r.json();
    return {{"status", r.status}, {"kind", body["kind"]}, {"code", body["code"]}, {"reason", body["reason"]}};
}

// One create, aimed at a project (or a parent) that exists but is invisible to the caller,
// and at one that does not exist.
struct CreateCase {
    const char* name;
    std::string path;  // {P} is the project
    json body;         // "{P}" and "{S}" (a session) are replaced
};

std::string fill(std::string text, const std::string& project, const std::string& session) {
    for (auto [marker, value] : {std::pair<std::string, std::string>{"{P}", project}, {"{S}", session}}) {
        for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker))
            text.replace(at, marker.size(), value);
    }
    return text;
}

TEST_P(ExistenceOracle, CreatesInAnInvisibleProjectAnswerAsForANonexistentOne) {
    const std::vector<CreateCase> cases = {
        {"session", "/sessions", {{"name", "x"}, {"project_id", "{P}"}}},
        {"session by query", "/sessions?project_id={P}", {{"name", "x"}}},
        {"agent", "/agents", {{"name", "x"}, {"project_id", "{P}"}}},
        {"agent in project", "/projects/{P}/agents", {{"name", "x"}}},
        {"settings", "/project_settings", {{"project_id", "{P}"}}},
        {"credential", "/credentials", {{"name", "x"}, {"provider", "github"}, {"project_id", "{P}"}}},
        {"credential in project", "/projects/{P}/credentials", {{"name", "x"}, {"provider", "github"}}},
        {"session with a parent",
         "/sessions",
         {{"name", "x"}, {"project_id", "mallory-proj"}, {"parent_session_id", "{S}"}}},
    };
    auto mallory = as("mallory");
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto existing = mallory.post(api_path(fill(c.path, "secret-proj", "")),
                                           fill(c.body.dump(), "secret-proj", alices_session_));
        const auto missing = mallory.post(api_path(fill(c.path, "no-such-proj", "")),
                                          fill(c.body.dump(), "no-such-proj", "2zzzzzzzzzzzzzzzzzzzzzzzzzz"));
        EXPECT_EQ(existing.status, 403) << existing.body;
        EXPECT_EQ(refusal(existing), refusal(missing)) << existing.body << "\n" << missing.body;
        EXPECT_EQ(existing.json()["reason"], "Forbidden");
    }
    // Nothing was created in alice's project, nor linked to her session.
    const auto sessions = admin().get(api_path("/sessions?project_id=secret-proj")).json();
    EXPECT_EQ(sessions["total"], 1);
    EXPECT_EQ(admin().get(api_path("/credentials")).json()["total"], 0);
    EXPECT_EQ(
        admin().get(api_path("/sessions?search=parent_session_id%3D%27" + alices_session_ + "%27")).json()["total"], 0);
}

// Patching one's own session to name an invisible parent is refused the same way.
TEST_P(ExistenceOracle, AnInvisibleParentIsRefusedAsAMissingOne) {
    auto mallory = as("mallory");
    auto own = mallory.post(api_path("/sessions"), json{{"name", "m"}, {"project_id", "mallory-proj"}}.dump());
    ASSERT_EQ(own.status, 201);
    const auto path = api_path("/sessions/" + own.json()["id"].get<std::string>());
    const auto existing = mallory.patch(path, json{{"parent_session_id", alices_session_}}.dump());
    const auto missing = mallory.patch(path, json{{"parent_session_id", "2zzzzzzzzzzzzzzzzzzzzzzzzzz"}}.dump());
    EXPECT_EQ(existing.status, 403) << existing.body;
    EXPECT_EQ(refusal(existing), refusal(missing));
}

// Reads of what the caller cannot see stay 404, worded as for what does not exist.
TEST_P(ExistenceOracle, ReadsStay404) {
    auto mallory = as("mallory");
    const auto existing = mallory.get(api_path("/projects/secret-proj"));
    const auto missing = mallory.get(api_path("/projects/no-such-proj"));
    EXPECT_EQ(existing.status, 404);
    EXPECT_EQ(refusal(existing)["code"], refusal(missing)["code"]);
    EXPECT_EQ(mallory.get(api_path("/sessions/" + alices_session_)).status, 404);
}

// An agent-scoped observer sees the agent's own instructions, not the project's prompt or
// the project's other agents.
TEST_P(ExistenceOracle, PreviewsShowOnlyWhatTheCallerMayRead) {
    auto alice = as("alice");
    ASSERT_EQ(alice.patch(api_path("/projects/secret-proj"), json{{"prompt", "WORKSPACE-SECRET"}}.dump()).status, 200);
    auto watched = alice.post(api_path("/projects/secret-proj/agents"),
                              json{{"name", "watched"}, {"prompt", "STANDING-ORDERS"}}.dump());
    ASSERT_EQ(watched.status, 201) << watched.body;
    const std::string agent = watched.json()["id"];
    ASSERT_EQ(alice
                  .post(api_path("/projects/secret-proj/agents"),
                        json{{"name", "hidden-peer"}, {"description", "PEER-SECRET"}}.dump())
                  .status,
              201);
    bind_role(admin(), "olga", "agent:observer", "agent", {{"project_id", "secret-proj"}, {"agent_id", agent}});

    const auto base = api_path("/projects/secret-proj/agents/" + agent);
    auto olga = as("olga");
    for (const auto& shown :
         {olga.get(base + "/ignition").json().value("starting_prompt", ""), olga.get(base + "/start").body}) {
        EXPECT_NE(shown.find("STANDING-ORDERS"), std::string::npos) << shown;
        EXPECT_EQ(shown.find("WORKSPACE-SECRET"), std::string::npos) << shown;
        EXPECT_EQ(shown.find("hidden-peer"), std::string::npos) << shown;
        EXPECT_EQ(shown.find("PEER-SECRET"), std::string::npos) << shown;
    }
    // Whoever may read the project sees all of it.
    const std::string full = alice.get(base + "/ignition").json()["starting_prompt"];
    EXPECT_NE(full.find("WORKSPACE-SECRET"), std::string::npos);
    EXPECT_NE(full.find("hidden-peer"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, ExistenceOracle, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         backend_name);

}  // namespace
}  // namespace ambient::testing
