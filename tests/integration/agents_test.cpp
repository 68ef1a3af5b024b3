// Agents: CRUD through the project routes and the flat ones, project isolation, name
// conflicts, start (one session per run, the start prompt as its first message), previews
// and an agent's sessions — on both databases.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kApi = "/api/ambient/v1";

std::string agents_of(const std::string& project) {
    return std::string(kApi) + "/projects/" + project + "/agents";
}

class Agents : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        for (const char* name : {"proj", "other"}) {
            ASSERT_EQ(http().post(std::string(kApi) + "/projects", json{{"name", name}}.dump()).status, 201);
        }
    }
    json create(const std::string& project, json body) {
        auto r = http().post(agents_of(project), body.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json();
    }
    std::string agent(const std::string& project, const std::string& name) {
        return create(project, {{"name", name}})["id"];
    }
    std::string path(const std::string& project, const std::string& id, const std::string& rest = {}) {
        return agents_of(project) + "/" + id + rest;
    }
    HttpResult start(const std::string& project, const std::string& id, const std::string& body = {}) {
        return http().post(path(project, id, "/start"), body);
    }
    void set_phase(const std::string& session_id, const std::string& phase) {
        ASSERT_EQ(http()
                      .patch(std::string(kApi) + "/sessions/" + session_id + "/status", json{{"phase", phase}}.dump())
                      .status,
                  200);
    }
    json sessions_of(const std::string& project, const std::string& id, const std::string& query = {}) {
        auto r = http().get(path(project, id, "/sessions") + query);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json();
    }
    json inbox_send(const std::string& project, const std::string& id, json body) {
        auto r = http().post(path(project, id, "/inbox"), body.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json();
    }
};

TEST_P(Agents, NestedCrudWithUpstreamsFieldsAndDefaults) {
    auto a = create("proj", {{"name", "reviewer"},
                             {"project_id", "other"},  // the URL wins
                             {"owner_user_id", "someone-else"},
                             {"current_session_id", "forged"},
                             {"display_name", "The Reviewer"},
                             {"description", "Reviews PRs"},
                             {"prompt", "Review carefully."},
                             {"repo_url", "https://github.com/o/r"},
                             {"labels", R"({"team":"a"})"}});
    const std::string id = a["id"];
    EXPECT_EQ(id.size(), 27u);
    EXPECT_EQ(a["kind"], "Agent");
    EXPECT_EQ(a["href"], std::string(kApi) + "/agents/" + id);
    EXPECT_EQ(a["project_id"], "proj");
    EXPECT_EQ(a["owner_user_id"], "ambient-service");
    EXPECT_FALSE(a.contains("current_session_id"));
    EXPECT_EQ(a["llm_model"], "claude-sonnet-4-6");
    EXPECT_DOUBLE_EQ(a["llm_temperature"].get<double>(), 0.7);
    EXPECT_EQ(a["llm_max_tokens"], 4000);
    EXPECT_EQ(a["display_name"], "The Reviewer");
    EXPECT_EQ(a["labels"], R"({"team":"a"})");

    auto got = http().get(path("proj", id));
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.json(), a);

    auto patched =
        http().patch(path("proj", id), R"({"name":"critic","llm_temperature":0.0,"llm_max_tokens":8000,)"
                                       R"("project_id":"other","owner_user_id":"x","current_session_id":"y"})");
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(patched.json()["name"], "critic");
    EXPECT_DOUBLE_EQ(patched.json()["llm_temperature"].get<double>(), 0.0);
    EXPECT_EQ(patched.json()["llm_max_tokens"], 8000);
    EXPECT_EQ(patched.json()["project_id"], "proj");
    EXPECT_EQ(patched.json()["owner_user_id"], "ambient-service");
    EXPECT_FALSE(patched.json().contains("current_session_id"));
    EXPECT_EQ(http().patch(path("proj", id), R"({"name":""})").status, 400);
    EXPECT_EQ(http().patch(path("proj", id), R"({"llm_max_tokens":0})").status, 400);

    agent("proj", "second");
    auto list = http().get(agents_of("proj") + "?orderBy=name");
    ASSERT_EQ(list.status, 200);
    EXPECT_EQ(list.json()["kind"], "AgentList");
    EXPECT_EQ(list.json()["total"], 2);
    EXPECT_EQ(list.json()["items"][0]["name"], "critic");
    EXPECT_EQ(http().get(agents_of("proj") + "?search=" + url_encode("name = 'second'")).json()["total"], 1);

    EXPECT_EQ(http().del(path("proj", id)).status, 204);
    EXPECT_EQ(http().get(path("proj", id)).status, 404);
    EXPECT_EQ(http().get(agents_of("proj")).json()["total"], 1);

    for (const auto& r : {http().get(agents_of("ghost")), http().post(agents_of("ghost"), R"({"name":"x"})"),
                          http().get(path("ghost", id))}) {
        EXPECT_EQ(r.status, 404) << r.body;
        EXPECT_EQ(r.json()["code"], "ambient-api-server-7");
    }
    EXPECT_EQ(http().post(agents_of("proj"), R"({"prompt":"no name"})").status, 400);
    EXPECT_EQ(http().post(agents_of("proj"), R"({"name":"x","bogus":1})").status, 400);
    EXPECT_EQ(server_->client(false).get(agents_of("proj")).status, 401);
}

TEST_P(Agents, FlatRoutesNeedAnExistingProjectInTheBody) {
    const std::string flat = std::string(kApi) + "/agents";
    auto r = http().post(flat, R"({"name":"flat","project_id":"proj"})");
    ASSERT_EQ(r.status, 201) << r.body;
    const std::string id = r.json()["id"];
    EXPECT_EQ(r.json()["project_id"], "proj");
    EXPECT_EQ(http().post(flat, R"({"name":"x"})").status, 400);
    EXPECT_EQ(http().post(flat, R"({"name":"x","project_id":""})").status, 400);
    EXPECT_EQ(http().post(flat, R"({"name":"x","project_id":"ghost"})").status, 400);

    agent("other", "elsewhere");
    auto all = http().get(flat);
    ASSERT_EQ(all.status, 200);
    EXPECT_EQ(all.json()["total"], 2);
    EXPECT_EQ(http().get(flat + "?search=" + url_encode("project_id = 'other'")).json()["total"], 1);

    EXPECT_EQ(http().get(flat + "/" + id).json()["name"], "flat");
    EXPECT_EQ(http().patch(flat + "/" + id, R"({"prompt":"p"})").json()["prompt"], "p");
    EXPECT_EQ(http().get(path("proj", id)).json()["prompt"], "p");
    EXPECT_EQ(http().del(flat + "/" + id).status, 204);
    EXPECT_EQ(http().get(flat + "/" + id).status, 404);
    EXPECT_EQ(http().del(flat + "/" + id).status, 404);
}

TEST_P(Agents, NestedRoutesNeverReachAnotherProjectsAgent) {
    const std::string id = agent("proj", "mine");
    EXPECT_EQ(http().get(path("other", id)).status, 404);
    EXPECT_EQ(http().patch(path("other", id), R"({"name":"stolen"})").status, 404);
    EXPECT_EQ(http().del(path("other", id)).status, 404);
    EXPECT_EQ(start("other", id).status, 404);
    EXPECT_EQ(http().get(path("other", id, "/start")).status, 404);
    EXPECT_EQ(http().get(path("other", id, "/ignition")).status, 404);
    EXPECT_EQ(http().get(path("other", id, "/sessions")).status, 404);
    EXPECT_EQ(http().get(path("other", id, "/inbox")).status, 404);

    auto still = http().get(path("proj", id));
    ASSERT_EQ(still.status, 200);
    EXPECT_EQ(still.json()["name"], "mine");
    EXPECT_EQ(sessions_of("proj", id)["total"], 0);

    // The project filter is ANDed with the search, in parentheses.
    for (const char* search : {"project_id = 'proj' or name = 'mine'", "name = 'mine' or id != ''"}) {
        auto r = http().get(agents_of("other") + "?search=" + url_encode(search));
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.json()["total"], 0) << search;
    }
}

TEST_P(Agents, NamesAreUniqueAmongAProjectsLiveAgents) {
    const std::string first = agent("proj", "dup");
    auto again = http().post(agents_of("proj"), R"({"name":"dup"})");
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(again.json()["code"], "ambient-api-server-6");
    EXPECT_EQ(http().post(std::string(kApi) + "/agents", R"({"name":"dup","project_id":"proj"})").status, 409);
    agent("other", "dup");  // another project may use it

    const std::string second = agent("proj", "two");
    EXPECT_EQ(http().patch(path("proj", second), R"({"name":"dup"})").status, 409);
    EXPECT_EQ(http().post(agents_of("proj"), R"({"name":""})").status, 400);

    ASSERT_EQ(http().del(path("proj", first)).status, 204);
    agent("proj", "dup");  // a deleted agent's name is free again
}

TEST_P(Agents, ParentAgentMustBeInTheSameProject) {
    const std::string parent = agent("proj", "parent");
    const std::string foreign = agent("other", "foreign");
    EXPECT_EQ(create("proj", {{"name", "child"}, {"parent_agent_id", parent}})["parent_agent_id"], parent);
    EXPECT_EQ(http().post(agents_of("proj"), json{{"name", "c2"}, {"parent_agent_id", foreign}}.dump()).status, 400);
    EXPECT_EQ(http().post(agents_of("proj"), json{{"name", "c3"}, {"parent_agent_id", "nope"}}.dump()).status, 400);
}

TEST_P(Agents, StartCreatesAPendingSessionWhoseFirstMessageIsTheStartPrompt) {
    ASSERT_EQ(http().patch(std::string(kApi) + "/projects/proj", R"({"prompt":"We build compilers."})").status, 200);
    const std::string id = create("proj", {{"name", "worker"},
                                           {"prompt", "Standing orders."},
                                           {"llm_model", "opus"},
                                           {"llm_max_tokens", 1234},
                                           {"repo_url", "https://github.com/o/r"}})["id"];
    create("proj", {{"name", "peer"}, {"description", "Helps out"}});
    agent("other", "stranger");
    inbox_send("proj", id, {{"body", "first note"}, {"from_name", "alice"}});
    inbox_send("proj", id, {{"body", "second note"}});
    inbox_send("proj", id, {{"body", "old news"}, {"read", true}});

    auto r = start("proj", id, R"({"prompt":"Fix the flaky test"})");
    ASSERT_EQ(r.status, 201) << r.body;
    const auto body = r.json();
    const auto session = body["session"];
    const std::string sid = session["id"];
    EXPECT_EQ(session["kind"], "Session");
    EXPECT_EQ(session["phase"], "Pending");
    EXPECT_EQ(session["agent_id"], id);
    EXPECT_EQ(session["project_id"], "proj");
    EXPECT_EQ(session["prompt"], "Standing orders.");
    EXPECT_EQ(session["llm_model"], "opus");
    EXPECT_EQ(session["llm_max_tokens"], 1234);
    EXPECT_EQ(session["repo_url"], "https://github.com/o/r");
    EXPECT_EQ(session["created_by_user_id"], "ambient-service");
    EXPECT_EQ(session["name"].get<std::string>().rfind("worker-", 0), 0u) << session["name"];

    const std::string text = body["starting_prompt"];
    EXPECT_EQ(body["start_prompt"], text);
    for (const char* part :
         {"# Agent Start: worker", "You are **worker**, working in project **proj**.",
          "## Workspace Context\n\nWe build compilers.", "## Standing Instructions\n\nStanding orders.",
          "| peer | Helps out |", "**From alice:** first note", "**From system:** second note",
          "## Task for this Run\n\nFix the flaky test"}) {
        EXPECT_NE(text.find(part), std::string::npos) << part << "\n---\n" << text;
    }
    EXPECT_EQ(text.find("old news"), std::string::npos);
    EXPECT_EQ(text.find("stranger"), std::string::npos);
    EXPECT_LT(text.find("first note"), text.find("second note"));

    auto messages = http().get(std::string(kApi) + "/sessions/" + sid + "/messages").json();
    ASSERT_EQ(messages.size(), 1u) << messages.dump();
    EXPECT_EQ(messages[0]["event_type"], "user");
    EXPECT_EQ(messages[0]["payload"], text);

    auto stored = http().get(std::string(kApi) + "/sessions/" + sid).json();
    EXPECT_EQ(stored["phase"], "Pending");
    EXPECT_EQ(http().get(path("proj", id)).json()["current_session_id"], sid);
    auto inbox = http().get(path("proj", id, "/inbox")).json();
    ASSERT_EQ(inbox["total"], 3);
    for (const auto& m : inbox["items"])
        EXPECT_EQ(m["read"], true) << m.dump();
}

TEST_P(Agents, StartReturnsTheActiveSessionUntilItStops) {
    const std::string id = agent("proj", "solo");
    auto first = start("proj", id);
    ASSERT_EQ(first.status, 201) << first.body;
    const std::string sid = first.json()["session"]["id"];

    for (const char* phase : {"", "Creating", "Running"}) {
        if (*phase) set_phase(sid, phase);
        auto again = start("proj", id, R"({"prompt":"another task"})");
        ASSERT_EQ(again.status, 200) << phase << again.body;
        EXPECT_EQ(again.json()["session"]["id"], sid);
        EXPECT_FALSE(again.json().contains("starting_prompt"));
    }
    EXPECT_EQ(sessions_of("proj", id)["total"], 1);
    EXPECT_EQ(http().get(std::string(kApi) + "/sessions/" + sid + "/messages").json().size(), 1u);

    set_phase(sid, "Stopped");
    auto next = start("proj", id, R"({"prompt":"round two"})");
    ASSERT_EQ(next.status, 201) << next.body;
    const std::string second = next.json()["session"]["id"];
    EXPECT_NE(second, sid);
    EXPECT_EQ(next.json()["session"]["phase"], "Pending");
    EXPECT_EQ(http().get(path("proj", id)).json()["current_session_id"], second);
    EXPECT_EQ(sessions_of("proj", id)["total"], 2);
}

TEST_P(Agents, StartBodyIsOptionalButMustBeJsonWhenGiven) {
    EXPECT_EQ(start("proj", agent("proj", "a1"), "").status, 201);
    EXPECT_EQ(start("proj", agent("proj", "a2"), "{}").status, 201);
    EXPECT_EQ(start("proj", agent("proj", "a3"), R"({"prompt":null})").status, 201);
    const std::string bad = agent("proj", "a4");
    for (const char* body : {"{nope", "[1]", R"({"prompt":5})", "\"text\""}) {
        auto r = start("proj", bad, body);
        EXPECT_EQ(r.status, 400) << body;
        EXPECT_EQ(r.json()["kind"], "Error");
    }
    EXPECT_EQ(sessions_of("proj", bad)["total"], 0);
    EXPECT_EQ(start("proj", "unknown").status, 404);
    EXPECT_EQ(server_->client(false).post(path("proj", bad, "/start"), "").status, 401);
}

TEST_P(Agents, TenConcurrentStartsCreateOneSession) {
    const std::string id = agent("proj", "busy");
    std::atomic<int> created{0}, returned{0}, other{0};
    std::mutex mutex;
    std::set<std::string> session_ids;
    std::vector<std::thread> threads;
    for (int i = 0; i < 10; ++i) {
        threads.emplace_back([&] {
            auto client = server_->client();
            auto r = client.post(path("proj", id, "/start"), R"({"prompt":"go"})");
            (r.status == 201 ? created : r.status == 200 ? returned : other)++;
            if (r.status == 200 || r.status == 201) {
                std::lock_guard lock(mutex);
                session_ids.insert(r.json()["session"]["id"].get<std::string>());
            }
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(created.load(), 1);
    EXPECT_EQ(returned.load(), 9);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(session_ids.size(), 1u);
    auto all = http().get(std::string(kApi) + "/sessions?search=" + url_encode("agent_id = '" + id + "'")).json();
    EXPECT_EQ(all["total"], 1);
}

TEST_P(Agents, PreviewsShowTheStartPromptAndChangeNothing) {
    const std::string id = create("proj", {{"name", "viewer"}, {"prompt", "Look around."}})["id"];
    const std::string note = inbox_send("proj", id, {{"body", "unread note"}})["id"];

    auto text = http().get(path("proj", id, "/start") + "?prompt=" + url_encode("Preview task"));
    ASSERT_EQ(text.status, 200) << text.body;
    EXPECT_EQ(text.header("Content-Type").rfind("text/plain", 0), 0u);
    EXPECT_EQ(text.body.rfind("# Agent Start: viewer", 0), 0u) << text.body;
    EXPECT_NE(text.body.find("unread note"), std::string::npos);
    EXPECT_NE(text.body.find("## Task for this Run\n\nPreview task"), std::string::npos);

    auto ignition = http().get(path("proj", id, "/ignition"));
    ASSERT_EQ(ignition.status, 200) << ignition.body;
    EXPECT_EQ(ignition.json()["agent_id"], id);
    const std::string shown = ignition.json()["starting_prompt"];
    EXPECT_EQ(ignition.json()["start_prompt"], shown);
    EXPECT_NE(shown.find("Look around."), std::string::npos);
    EXPECT_EQ(shown.find("Task for this Run"), std::string::npos);

    EXPECT_EQ(http().get(path("proj", id, "/inbox/" + note)).json()["read"], false);
    EXPECT_EQ(sessions_of("proj", id)["total"], 0);
    EXPECT_FALSE(http().get(path("proj", id)).json().contains("current_session_id"));
    EXPECT_EQ(http().get(path("proj", "unknown", "/start")).status, 404);
    EXPECT_EQ(http().get(path("proj", "unknown", "/ignition")).status, 404);
}

TEST_P(Agents, AgentSessionsAreASessionListOfThatAgentOnly) {
    const std::string id = agent("proj", "historian");
    const std::string other = agent("proj", "neighbour");
    const std::string s1 = start("proj", id).json()["session"]["id"];
    set_phase(s1, "Completed");
    start("proj", id);
    start("proj", other);

    auto list = sessions_of("proj", id);
    EXPECT_EQ(list["kind"], "SessionList");
    EXPECT_EQ(list["total"], 2);
    for (const auto& s : list["items"])
        EXPECT_EQ(s["agent_id"], id);
    auto page = sessions_of("proj", id, "?page=2&size=1&orderBy=created_at");
    EXPECT_EQ(page["size"], 1);
    EXPECT_EQ(page["total"], 2);
    EXPECT_EQ(page["page"], 2);
    EXPECT_EQ(sessions_of("proj", id, "?search=" + url_encode("phase = 'Completed'"))["items"][0]["id"], s1);
    // The agent filter holds against a search with `or`.
    EXPECT_EQ(sessions_of("proj", id, "?search=" + url_encode("phase = 'Pending' or phase = 'Completed'"))["total"], 2);
    EXPECT_EQ(http().get(path("proj", "unknown", "/sessions")).status, 404);
}

// An agent's environment_variables pass to the sessions it starts, so the platform's names
// are refused on the agent too, at create and update.
TEST_P(Agents, EnvironmentVariablesMayNotSetThePlatformsNames) {
    auto r = http().post(agents_of("proj"),
                         json{{"name", "a"}, {"environment_variables", R"({"BACKEND_API_URL":"http://x"})"}}.dump());
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.json()["reason"].get<std::string>().find("\"BACKEND_API_URL\""), std::string::npos) << r.body;
    const auto id = agent("proj", "a");
    r = http().patch(path("proj", id), json{{"environment_variables", R"({"CREDENTIAL_IDS":"{}"})"}}.dump());
    EXPECT_EQ(r.status, 400) << r.body;
    r = http().patch(path("proj", id), json{{"environment_variables", R"({"DEBUG":"1"})"}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    r = start("proj", id);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.json()["session"]["environment_variables"], R"({"DEBUG":"1"})");
}

INSTANTIATE_TEST_SUITE_P(Backends, Agents, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
