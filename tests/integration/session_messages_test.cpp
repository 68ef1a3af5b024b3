// Session messages: JSON reads, pushes, and the resumable live stream, on both databases.
#include <gtest/gtest.h>

#include <thread>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class Messages : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        ASSERT_EQ(http().post("/api/ambient/v1/projects", R"({"name":"proj"})").status, 201);
        auto s = http().post("/api/ambient/v1/sessions", R"({"name":"s","project_id":"proj","prompt":"first words"})");
        ASSERT_EQ(s.status, 201);
        id_ = s.json()["id"];
        path_ = "/api/ambient/v1/sessions/" + id_ + "/messages";
    }
    HttpResult push(const std::string& payload, HttpClient* client = nullptr) {
        return (client ? *client : http()).post(path_, json{{"payload", payload}}.dump());
    }
    SseReader stream(HeaderPairs headers = {}, const std::string& query = "") {
        headers.emplace_back("Accept", "text/event-stream");
        headers.emplace_back("Authorization", std::string("Bearer ") + kTestToken);
        return SseReader(server_->process().host(), server_->process().port(), path_ + query, headers);
    }
    std::string id_;
    std::string path_;
};

TEST_P(Messages, ThePromptIsTheFirstUserMessage) {
    auto r = http().get(path_);
    ASSERT_EQ(r.status, 200) << r.body;
    auto list = r.json();
    ASSERT_TRUE(list.is_array());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["event_type"], "user");
    EXPECT_EQ(list[0]["payload"], "first words");
    EXPECT_EQ(list[0]["session_id"], id_);
    EXPECT_GT(list[0]["seq"].get<std::int64_t>(), 0);
}

TEST_P(Messages, PushAppendsUserMessagesWithIncreasingSeq) {
    auto a = push("hello");
    ASSERT_EQ(a.status, 201) << a.body;
    EXPECT_EQ(a.json()["event_type"], "user");
    auto b = http().post(path_, R"({"event_type":"user","payload":"again"})");
    ASSERT_EQ(b.status, 201);
    EXPECT_GT(b.json()["seq"].get<std::int64_t>(), a.json()["seq"].get<std::int64_t>());

    auto after = http().get(path_ + "?after_seq=" + std::to_string(a.json()["seq"].get<std::int64_t>())).json();
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0]["payload"], "again");
    EXPECT_EQ(http().get(path_ + "?after_seq=x").status, 400);
}

TEST_P(Messages, OnlyUserMessagesMayBePushedHere) {
    // Other event types are the session runner's (runner_tokens_test.cpp).
    for (const char* type : {"assistant", "TEXT_MESSAGE_CONTENT", "system"}) {
        auto r = http().post(path_, json{{"event_type", type}, {"payload", "x"}}.dump());
        EXPECT_EQ(r.status, 403) << type;
        EXPECT_EQ(r.json()["kind"], "Error");
    }
    EXPECT_EQ(http().post(path_, "{nope").status, 400);
    EXPECT_EQ(http().post(path_, R"({"payload":5})").status, 400);
    EXPECT_EQ(http().post("/api/ambient/v1/sessions/unknown/messages", R"({"payload":"x"})").status, 404);
    EXPECT_EQ(http().get("/api/ambient/v1/sessions/unknown/messages").status, 404);
    EXPECT_EQ(http().post(path_, json{{"payload", std::string(1024 * 1024 + 10, 'x')}}.dump()).status, 413);
}

TEST_P(Messages, StreamReplaysThenFollowsLive) {
    push("one");
    auto sse = stream();
    ASSERT_EQ(sse.status(), 200);
    auto first = sse.next(5s);
    ASSERT_TRUE(first);
    EXPECT_EQ(json::parse(first->data)["payload"], "first words");
    auto second = sse.next(5s);
    ASSERT_TRUE(second);
    EXPECT_EQ(json::parse(second->data)["payload"], "one");
    EXPECT_EQ(second->id, std::to_string(json::parse(second->data)["seq"].get<std::int64_t>()));

    push("live");
    auto live = sse.next(5s);
    ASSERT_TRUE(live);
    EXPECT_EQ(json::parse(live->data)["payload"], "live");
}

TEST_P(Messages, ReconnectingWithLastEventIdSeesEveryMessageOnce) {
    auto sse = stream();
    auto first = sse.next(5s);
    ASSERT_TRUE(first);
    push("a");
    auto a = sse.next(5s);
    ASSERT_TRUE(a);
    const std::string last_id = a->id;
    sse.close();

    // Written while nobody listens.
    push("b");
    push("c");
    auto again = stream({{"Last-Event-ID", last_id}});
    std::vector<std::string> payloads;
    auto b = again.next(5s);
    ASSERT_TRUE(b);
    payloads.push_back(json::parse(b->data)["payload"]);
    push("d");
    for (int i = 0; i < 2; ++i) {
        auto e = again.next(5s);
        ASSERT_TRUE(e);
        payloads.push_back(json::parse(e->data)["payload"]);
    }
    EXPECT_EQ(payloads, (std::vector<std::string>{"b", "c", "d"}));
    EXPECT_FALSE(again.next(500ms).has_value());
}

TEST_P(Messages, AfterSeqQueryAlsoPositionsTheStream) {
    auto a = push("a").json();
    push("b");
    auto sse = stream({}, "?after_seq=" + std::to_string(a["seq"].get<std::int64_t>()));
    auto e = sse.next(5s);
    ASSERT_TRUE(e);
    EXPECT_EQ(json::parse(e->data)["payload"], "b");
}

TEST_P(Messages, ThousandMessagesFromTenWritersArriveInOrderWithoutDuplicates) {
    auto reader = stream();
    auto skip = reader.next(5s);  // the prompt
    ASSERT_TRUE(skip);
    std::vector<std::thread> writers;
    std::atomic<int> failures{0};
    for (int w = 0; w < 10; ++w) {
        writers.emplace_back([&, w] {
            auto client = server_->client();
            for (int i = 0; i < 100; ++i) {
                if (push("w" + std::to_string(w) + "-" + std::to_string(i), &client).status != 201) failures++;
            }
        });
    }
    std::vector<std::int64_t> seqs;
    std::set<std::string> payloads;
    while (seqs.size() < 1000) {
        auto e = reader.next(20s);
        if (!e) break;
        seqs.push_back(std::stoll(e->id));
        payloads.insert(json::parse(e->data)["payload"].get<std::string>());
    }
    for (auto& t : writers)
        t.join();
    EXPECT_EQ(failures.load(), 0);
    ASSERT_EQ(seqs.size(), 1000u);
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
    EXPECT_EQ(std::adjacent_find(seqs.begin(), seqs.end()), seqs.end());
    EXPECT_EQ(payloads.size(), 1000u);
    // Per writer, the order it wrote in.
    auto all = http().get(path_).json();
    std::map<std::string, int> next_per_writer;
    for (const auto& m : all) {
        const std::string p = m["payload"];
        if (p.rfind("w", 0) != 0) continue;
        const auto dash = p.find('-');
        const auto writer = p.substr(0, dash);
        EXPECT_EQ(std::stoi(p.substr(dash + 1)), next_per_writer[writer]++) << p;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, Messages, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing

namespace ambient::testing {
namespace {

// Two servers on one PostgreSQL: a message posted through A reaches a stream reader on B
// within a second (LISTEN/NOTIFY wakes B; B reads the row).
TEST(MessagesTwoServers, AMessagePostedOnOneServerReachesAReaderOnTheOtherWithinASecond) {
    ApiServer a(Backend::Postgres);
    ApiServer b(SharedDatabase{a});
    auto http_a = a.client();
    ASSERT_EQ(http_a.post("/api/ambient/v1/projects", R"({"name":"proj"})").status, 201);
    const std::string id = http_a.post("/api/ambient/v1/sessions", R"({"name":"s","project_id":"proj"})").json()["id"];
    SseReader reader(b.process().host(), b.process().port(), "/api/ambient/v1/sessions/" + id + "/messages",
                     {{"Accept", "text/event-stream"}, {"Authorization", std::string("Bearer ") + kTestToken}});
    ASSERT_EQ(reader.status(), 200);
    // Nothing yet; then a message through A.
    EXPECT_FALSE(reader.next(std::chrono::milliseconds(200)).has_value());
    const auto sent = std::chrono::steady_clock::now();
    ASSERT_EQ(http_a.post("/api/ambient/v1/sessions/" + id + "/messages", R"({"payload":"across"})").status, 201);
    auto e = reader.next(std::chrono::seconds(1));
    ASSERT_TRUE(e.has_value()) << "no message on server B within 1 s";
    EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(1));
    EXPECT_EQ(nlohmann::json::parse(e->data)["payload"], "across");
}

}  // namespace
}  // namespace ambient::testing
