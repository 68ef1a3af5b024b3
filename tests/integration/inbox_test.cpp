// An agent's inbox: create, list (unread first, never another agent's), get, mark read,
// delete, and 404 for every URL that names the wrong agent or project — on both databases.
#include <gtest/gtest.h>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kApi = "/api/ambient/v1";

class Inbox : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        for (const char* name : {"proj", "other"}) {
            ASSERT_EQ(http().post(std::string(kApi) + "/projects", json{{"name", name}}.dump()).status, 201);
        }
        a_ = make_agent("proj", "a");
        b_ = make_agent("proj", "b");
    }
    std::string make_agent(const std::string& project, const std::string& name) {
        auto r = http().post(std::string(kApi) + "/projects/" + project + "/agents", json{{"name", name}}.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json()["id"];
    }
    std::string inbox(const std::string& agent, const std::string& project = "proj") {
        return std::string(kApi) + "/projects/" + project + "/agents/" + agent + "/inbox";
    }
    json send(const std::string& agent, json body) {
        auto r = http().post(inbox(agent), body.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json();
    }
    json list(const std::string& agent, const std::string& query = {}) {
        auto r = http().get(inbox(agent) + query);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json();
    }
    std::string a_, b_;
};

TEST_P(Inbox, CreateListGetMarkReadAndDelete) {
    auto first = send(a_, {{"body", "hello"}, {"from_name", "alice"}, {"agent_id", b_}});
    const std::string id = first["id"];
    EXPECT_EQ(first["kind"], "InboxMessage");
    EXPECT_EQ(first["href"], std::string(kApi) + "/inbox_messages/" + id);
    EXPECT_EQ(first["agent_id"], a_);  // the URL wins
    EXPECT_EQ(first["from_name"], "alice");
    EXPECT_EQ(first["read"], false);
    auto from_agent = send(a_, {{"body", "from b"}, {"from_agent_id", b_}, {"read", true}});
    EXPECT_EQ(from_agent["read"], true);
    EXPECT_EQ(from_agent["from_agent_id"], b_);

    auto all = list(a_);
    EXPECT_EQ(all["kind"], "InboxMessageList");
    EXPECT_EQ(all["total"], 2);
    EXPECT_EQ(all["items"][0]["id"], id);  // unread first
    EXPECT_EQ(list(a_, "?orderBy=" + url_encode("read desc"))["items"][0]["id"], from_agent["id"]);
    EXPECT_EQ(list(b_)["total"], 0);

    auto got = http().get(inbox(a_) + "/" + id);
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.json(), first);

    auto read = http().patch(inbox(a_) + "/" + id, R"({"read":true,"body":"rewritten","agent_id":"x"})");
    ASSERT_EQ(read.status, 200) << read.body;
    EXPECT_EQ(read.json()["read"], true);
    EXPECT_EQ(read.json()["body"], "hello");
    EXPECT_EQ(read.json()["agent_id"], a_);
    EXPECT_EQ(http().patch(inbox(a_) + "/" + id, R"({"read":false})").json()["read"], false);
    // Upstream's TypeScript SDK marks read with an empty PATCH.
    EXPECT_EQ(http().patch(inbox(a_) + "/" + id, "").json()["read"], true);
    EXPECT_EQ(http().patch(inbox(a_) + "/" + id, "{nope").status, 400);
    EXPECT_EQ(list(a_, "?search=" + url_encode("read = false"))["total"], 0);

    EXPECT_EQ(http().del(inbox(a_) + "/" + id).status, 204);
    EXPECT_EQ(http().get(inbox(a_) + "/" + id).status, 404);
    EXPECT_EQ(list(a_)["total"], 1);
}

TEST_P(Inbox, BodyIsRequired) {
    EXPECT_EQ(http().post(inbox(a_), R"({"from_name":"x"})").status, 400);
    EXPECT_EQ(http().post(inbox(a_), R"({"body":""})").status, 400);
    EXPECT_EQ(http().post(inbox(a_), R"({"body":"x","bogus":true})").status, 400);
    EXPECT_EQ(http().post(inbox(a_), R"({"body":"x","read":"yes"})").status, 400);
    EXPECT_EQ(http().post(inbox(a_), "").status, 400);
    EXPECT_EQ(list(a_)["total"], 0);
}

TEST_P(Inbox, SearchWithOrCannotEscapeTheAgentFilter) {
    send(a_, {{"body", "for a"}});
    send(a_, {{"body", "also for a"}, {"read", true}});
    send(b_, {{"body", "for b"}});
    send(b_, {{"body", "read by b"}, {"read", true}});
    const std::pair<std::string, int> cases[] = {{"read = false or read = true", 2},
                                                 {"agent_id = '" + b_ + "' or read = true", 1},
                                                 {"body = 'for b' or body like '%'", 2}};
    for (const auto& [search, expected] : cases) {
        auto r = list(a_, "?search=" + url_encode(search));
        EXPECT_EQ(r["total"], expected) << search;
        for (const auto& m : r["items"])
            EXPECT_EQ(m["agent_id"], a_) << search;
    }
}

TEST_P(Inbox, WrongAgentOrProjectIs404) {
    const std::string id = send(a_, {{"body", "secret"}})["id"];
    // A's message through B's URL.
    EXPECT_EQ(http().get(inbox(b_) + "/" + id).status, 404);
    EXPECT_EQ(http().patch(inbox(b_) + "/" + id, R"({"read":true})").status, 404);
    EXPECT_EQ(http().del(inbox(b_) + "/" + id).status, 404);
    // A through another project, unknown agents and projects.
    for (const auto& r : {http().get(inbox(a_, "other")), http().post(inbox(a_, "other"), R"({"body":"x"})"),
                          http().get(inbox(a_, "other") + "/" + id), http().del(inbox(a_, "other") + "/" + id),
                          http().get(inbox(a_, "ghost")), http().get(inbox("unknown")),
                          http().post(inbox("unknown"), R"({"body":"x"})")}) {
        EXPECT_EQ(r.status, 404) << r.body;
        EXPECT_EQ(r.json()["kind"], "Error");
    }
    auto still = http().get(inbox(a_) + "/" + id);
    ASSERT_EQ(still.status, 200);
    EXPECT_EQ(still.json()["read"], false);
    EXPECT_EQ(server_->client(false).get(inbox(a_)).status, 401);
}

TEST_P(Inbox, DeletingTheAgentDeletesItsInbox) {
    send(a_, {{"body", "one"}});
    send(a_, {{"body", "two"}});
    send(b_, {{"body", "stays"}});
    ASSERT_EQ(http().del(std::string(kApi) + "/projects/proj/agents/" + a_).status, 204);
    EXPECT_EQ(http().get(inbox(a_)).status, 404);
    auto db = server_->open_database();
    auto lease = db->acquire();
    const auto rs = lease->exec("SELECT agent_id FROM inbox_messages WHERE deleted_at IS NULL");
    ASSERT_EQ(rs.rows.size(), 1u);
    EXPECT_EQ(std::get<std::string>(rs.rows[0][0]), b_);
}

INSTANTIATE_TEST_SUITE_P(Backends, Inbox, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
