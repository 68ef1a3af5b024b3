// Sessions and their lifecycle, on both databases (upstream's acceptance cases, notes §8).
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kSessions = "/api/ambient/v1/sessions";

class Sessions : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        ASSERT_EQ(http().post("/api/ambient/v1/projects", R"({"name":"proj"})").status, 201);
    }
    json create(json body = {}) {
        if (!body.contains("name")) body["name"] = "s";
        if (!body.contains("project_id")) body["project_id"] = "proj";
        auto r = http().post(kSessions, body.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json();
    }
    HttpResult act(const std::string& id, const std::string& verb) {
        return http().post(std::string(kSessions) + "/" + id + "/" + verb, "");
    }
    HttpResult status(const std::string& id, const json& body) {
        return http().patch(std::string(kSessions) + "/" + id + "/status", body.dump());
    }
};

TEST_P(Sessions, CreateAppliesDefaultsAndTheCaller) {
    auto s = create({{"created_by_user_id", "someone-else"}});
    EXPECT_EQ(s["kind"], "Session");
    EXPECT_EQ(s["llm_model"], "claude-sonnet-4-6");
    EXPECT_DOUBLE_EQ(s["llm_temperature"].get<double>(), 0.7);
    EXPECT_EQ(s["llm_max_tokens"], 4000);
    EXPECT_EQ(s["created_by_user_id"], "ambient-service");
    EXPECT_FALSE(s.contains("phase"));
    EXPECT_FALSE(s.contains("start_time"));

    auto zero = create({{"llm_temperature", 0.0}, {"llm_model", "opus"}, {"llm_max_tokens", 4096}, {"timeout", 3600}});
    EXPECT_DOUBLE_EQ(zero["llm_temperature"].get<double>(), 0.0);
    EXPECT_EQ(zero["llm_model"], "opus");
    EXPECT_EQ(zero["llm_max_tokens"], 4096);
    EXPECT_EQ(zero["timeout"], 3600);
}

TEST_P(Sessions, KubeNamesAreLowerCaseDnsLabelsAndDistinct) {
    std::set<std::string> names;
    const std::regex dns("^[a-z][a-z0-9-]{0,61}[a-z0-9]$");
    for (int i = 0; i < 20; ++i) {
        auto s = create();
        const std::string name = s["kube_cr_name"];
        EXPECT_TRUE(std::regex_match(name, dns)) << name;
        names.insert(name);
    }
    EXPECT_EQ(names.size(), 20u);
}

TEST_P(Sessions, ProjectComesFromBodyQueryOrHeaderAndMustExist) {
    auto r = http().post(kSessions, R"({"name":"x"})", {{"X-Ambient-Project", "proj"}});
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.json()["project_id"], "proj");
    EXPECT_EQ(http().post(kSessions, R"({"name":"x"})").status, 400);
    EXPECT_EQ(http().post(kSessions, R"({"name":"x","project_id":"ghost"})").status, 400);
    EXPECT_EQ(http().post(kSessions, R"({"name":"x"})", {{"X-Ambient-Project", "bad value'"}}).status, 400);

    ASSERT_EQ(http().post("/api/ambient/v1/projects", R"({"name":"other"})").status, 201);
    create({{"project_id", "other"}});
    EXPECT_EQ(http().get(std::string(kSessions) + "?project_id=proj").json()["total"], 1);
    EXPECT_EQ(http().get(kSessions, {{"X-Ambient-Project", "other"}}).json()["total"], 1);
    EXPECT_EQ(http()
                  .get(std::string(kSessions) + "?project_id=proj", {{"X-Ambient-Project", "other"}})
                  .json()["items"][0]["project_id"],
              "proj");
    for (const char* injection : {"proj' or '1'='1", "proj;drop", "a b", "proj%27"}) {
        EXPECT_EQ(http().get(std::string(kSessions) + "?project_id=" + url_encode(injection)).status, 400) << injection;
    }
}

TEST_P(Sessions, StatusPatchWritesOnlyStatusAndKeepsTheRest) {
    auto s = create({{"prompt", "do it"}, {"llm_model", "opus"}, {"timeout", 60}});
    const std::string id = s["id"];
    auto r = status(id, {{"phase", "Running"},
                         {"start_time", "2026-11-28T10:00:00Z"},
                         {"sdk_session_id", "sdk-1"},
                         {"conditions", "[]"},
                         {"kube_namespace", "ns"},
                         {"kube_cr_uid", "uid-1"},
                         {"runner_url", "http://127.0.0.1:9"}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = r.json();
    EXPECT_EQ(body["phase"], "Running");
    EXPECT_EQ(body["start_time"], "2026-11-28T10:00:00.000000Z");
    EXPECT_EQ(body["sdk_session_id"], "sdk-1");
    EXPECT_EQ(body["runner_url"], "http://127.0.0.1:9");
    EXPECT_EQ(body["name"], "s");
    EXPECT_EQ(body["prompt"], "do it");
    EXPECT_EQ(body["llm_model"], "opus");
    EXPECT_EQ(body["timeout"], 60);

    EXPECT_EQ(status(id, {{"phase", "Sleeping"}}).status, 400);
    EXPECT_EQ(status(id, {{"phase", "running"}}).status, 400);
    EXPECT_EQ(status(id, json::object()).status, 400);
    EXPECT_EQ(status(id, {{"name", "not a status field"}}).status, 400);
    EXPECT_EQ(status("unknown", {{"phase", "Running"}}).status, 404);
    EXPECT_EQ(
        server_->client(false).patch(std::string(kSessions) + "/" + id + "/status", R"({"phase":"Failed"})").status,
        401);
}

TEST_P(Sessions, RegularPatchIgnoresStatusFieldsAndProject) {
    const std::string id = create()["id"];
    auto r = http().patch(std::string(kSessions) + "/" + id,
                          R"({"phase":"Completed","name":"renamed","project_id":"elsewhere","kube_cr_name":"x"})");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["name"], "renamed");
    EXPECT_FALSE(r.json().contains("phase"));
    EXPECT_EQ(r.json()["project_id"], "proj");
    EXPECT_NE(r.json()["kube_cr_name"], "x");
}

TEST_P(Sessions, LifecycleFollowsThePhaseRules) {
    const std::string id = create()["id"];
    auto r = act(id, "start");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["phase"], "Pending");
    EXPECT_EQ(act(id, "start").status, 409);
    EXPECT_EQ(status(id, {{"phase", "Running"}}).status, 200);
    auto conflict = act(id, "start");
    EXPECT_EQ(conflict.status, 409);
    EXPECT_EQ(conflict.json()["code"], "ambient-api-server-6");
    EXPECT_EQ(act(id, "stop").json()["phase"], "Stopping");
    EXPECT_EQ(status(id, {{"phase", "Stopped"}}).status, 200);
    EXPECT_EQ(act(id, "stop").status, 409);
    EXPECT_EQ(act(id, "start").json()["phase"], "Pending");
    EXPECT_EQ(status(id, {{"phase", "Running"}}).status, 200);
    EXPECT_EQ(status(id, {{"phase", "Failed"}}).status, 200);
    EXPECT_EQ(act(id, "start").json()["phase"], "Pending");
    EXPECT_EQ(status(id, {{"phase", "Completed"}}).status, 200);
    EXPECT_EQ(act(id, "start").json()["phase"], "Pending");
    EXPECT_EQ(act(id, "stop").json()["phase"], "Stopping");  // stop from Pending

    const std::string fresh = create()["id"];
    EXPECT_EQ(act(fresh, "stop").status, 409);  // no phase yet
    EXPECT_EQ(act("unknown", "start").status, 404);
    EXPECT_EQ(server_->client(false).post(std::string(kSessions) + "/" + id + "/start", "").status, 401);
}

TEST_P(Sessions, OfTwentyConcurrentStartsExactlyOneWins) {
    const std::string id = create()["id"];
    std::atomic<int> ok{0}, conflict{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 20; ++i) {
        threads.emplace_back([&] {
            auto client = server_->client();
            const int s = client.post(std::string(kSessions) + "/" + id + "/start", "").status;
            (s == 200 ? ok : s == 409 ? conflict : other)++;
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(conflict.load(), 19);
    EXPECT_EQ(other.load(), 0);
}

TEST_P(Sessions, ParentSessionMustExist) {
    const std::string parent = create()["id"];
    auto child = create({{"parent_session_id", parent}});
    EXPECT_EQ(child["parent_session_id"], parent);
    EXPECT_EQ(http()
                  .post(kSessions, json{{"name", "c"}, {"project_id", "proj"}, {"parent_session_id", "nope"}}.dump())
                  .status,
              400);
}

// The names the control plane sets are refused at create and update, naming the variable;
// so is a field that is not a JSON object of strings. (Every shape: environment_variables_test.)
TEST_P(Sessions, EnvironmentVariablesMayNotSetThePlatformsNames) {
    const auto s = create({{"environment_variables", R"({"DEBUG":"1"})"}});
    EXPECT_EQ(s["environment_variables"], R"({"DEBUG":"1"})");
    const std::string id = s["id"];
    for (const char* name : {"SESSION_ID", "BOT_TOKEN_FILE", "AGUI_PORT", "WORKSPACE_PATH"}) {
        const auto env = json{{"DEBUG", "1"}, {name, "x"}}.dump();
        auto r =
            http().post(kSessions, json{{"name", "s"}, {"project_id", "proj"}, {"environment_variables", env}}.dump());
        EXPECT_EQ(r.status, 400) << name << ": " << r.body;
        EXPECT_EQ(r.json()["code"], "ambient-api-server-8") << name;
        EXPECT_NE(r.json()["reason"].get<std::string>().find(std::string("\"") + name + "\""), std::string::npos)
            << r.body;
        r = http().patch(std::string(kSessions) + "/" + id, json{{"environment_variables", env}}.dump());
        EXPECT_EQ(r.status, 400) << name << ": " << r.body;
    }
    for (const char* bad : {"[]", "not json", R"({"N":1})"}) {
        auto r = http().patch(std::string(kSessions) + "/" + id, json{{"environment_variables", bad}}.dump());
        EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    }
    auto r = http().get(std::string(kSessions) + "/" + id);
    EXPECT_EQ(r.json()["environment_variables"], R"({"DEBUG":"1"})");
    r = http().patch(std::string(kSessions) + "/" + id, json{{"environment_variables", R"({"DEBUG":"2"})"}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, Sessions, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
