// PostgreSQL faults against the real ambient-api-server (issue 15): a cluster of the test's
// own is restarted (fast, immediate), stopped for 10 s, or has its postmaster killed, while a
// watch stream (or a session's message stream) is open. The guarantees, each awaited with a
// deadline:
//
//   - the stream opened before the fault delivers the change made after it, and every change
//     exactly once, in order (a stream opened afterwards from id 0 sees the same);
//   - while the database is down, requests answer 503 "Database unavailable" quickly,
//     /healthcheck answers 503 with its reason, and the stream keeps sending pings;
//   - once it is back, requests succeed from the first one, /healthcheck is 200, and /metrics
//     counts the streams.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/pg_cluster.hpp"
#include "support/server_process.hpp"

namespace ambient::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kToken = "faults-test-service-token-0123456789abcdef";
const std::string kBase = "/api/ambient/v1";
// How long the server may take to notice that the database is back and use it again.
constexpr auto kRecoveryDeadline = 30s;
// A request while the database is down must fail within the connect timeout (2 s here) and
// some slack, never hang.
constexpr auto kFailFastBound = 5s;
constexpr auto kOutage = 10s;

// Polls `condition` until it holds or `deadline` passes; true when it held.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
    const auto until = Clock::now() + deadline;
    for (;;) {
        if (condition()) return true;
        if (Clock::now() >= until) return false;
        std::this_thread::sleep_for(50ms);
    }
}

struct Change {
    std::int64_t id = 0;
    std::string type;
    std::string resource_id;
};

// The value of an unlabelled series in Prometheus text, or nullopt.
std::optional<double> metric(const std::string& text, const std::string& name) {
    const std::regex line("(^|\n)" + name + " ([0-9.e+-]+)");
    std::smatch m;
    if (!std::regex_search(text, m, line)) return std::nullopt;
    return std::stod(m[2]);
}

class DatabaseFaults : public ::testing::Test {
protected:
    void SetUp() override {
        cluster_ = PgCluster::start_own();
        const auto url = cluster_->create_database("faults");
        server_ = std::make_unique<ServerProcess>(
            binary_dir() / "ambient-api-server",
            std::vector<std::string>{"serve", "--api-server-bindaddress", "127.0.0.1:0", "--data-dir",
                                     data_dir_.path().string(), "--db-url", url, "--db-max-open-connections", "4",
                                     "--db-statement-timeout", "2s", "--db-connect-timeout", "2s",
                                     "--stream-ping-interval", "1s"},
            std::vector<std::string>{std::string("AMBIENT_API_TOKEN=") + kToken});
    }

    HttpClient client() const {
        HttpClient c(server_->host(), server_->port());
        c.set_bearer(kToken);
        c.set_timeout(10s);
        return c;
    }

    SseReader watch(std::string last_event_id = {}) const {
        HeaderPairs headers = {{"Authorization", std::string("Bearer ") + kToken}};
        if (!last_event_id.empty()) headers.emplace_back("Last-Event-ID", last_event_id);
        return SseReader(server_->host(), server_->port(), kBase + "/projects?watch=true", headers);
    }

    // Creates a project, retrying while the server answers 503 (the database coming back);
    // any other answer fails the test. A 409 after a 503 means that attempt committed.
    void create_project(const std::string& name) {
        auto http = client();
        const bool created = eventually(
            [&] {
                const auto r = http.post(kBase + "/projects", json{{"name", name}}.dump());
                if (r.status == 201 || r.status == 409) return true;
                EXPECT_EQ(r.status, 503) << r.body;
                return false;
            },
            kRecoveryDeadline);
        ASSERT_TRUE(created) << "project " << name << " not created within the deadline\n" << server_->log();
    }

    // The changes on `sse` up to and including the one of `resource_id`.
    static std::vector<Change> changes_until(SseReader& sse, const std::string& resource_id,
                                             std::chrono::milliseconds deadline = kRecoveryDeadline) {
        std::vector<Change> seen;
        const auto until = Clock::now() + deadline;
        while (Clock::now() < until) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
            const auto e = sse.next(std::max(left, 1ms));
            if (!e) break;
            EXPECT_TRUE(e->event.empty()) << "unexpected " << e->event << " frame: " << e->data;
            if (!e->event.empty()) continue;
            const auto data = json::parse(e->data);
            seen.push_back({std::stoll(e->id), data.at("type"), data.at("resource_id")});
            if (seen.back().resource_id == resource_id) return seen;
        }
        ADD_FAILURE() << "no change of " << resource_id << " within the deadline (" << seen.size() << " others)";
        return seen;
    }

    static std::vector<std::string> names(const std::vector<Change>& changes) {
        std::vector<std::string> out;
        for (const auto& c : changes)
            out.push_back(c.type + " " + c.resource_id);
        return out;
    }

    // The scenario every fault shares: a watch opened before `fault`, a change before and one
    // after, delivered once each to the old stream, and the same history to a new one.
    void expect_streams_survive(const std::function<void()>& fault) {
        auto old_stream = watch();
        ASSERT_EQ(old_stream.status(), 200);
        create_project("before");
        auto delivered = changes_until(old_stream, "before", 10s);

        fault();

        // The database is back: the very first request succeeds (the pool's connections
        // that the database hung up on are found dead before they are lent).
        const auto first = client().post(kBase + "/projects", json{{"name", "after"}}.dump());
        EXPECT_EQ(first.status, 201) << first.body;
        if (first.status != 201) create_project("after");
        auto after = changes_until(old_stream, "after");
        delivered.insert(delivered.end(), after.begin(), after.end());
        for (std::size_t i = 1; i < delivered.size(); ++i) {
            EXPECT_LT(delivered[i - 1].id, delivered[i].id) << "out of order or twice";
        }
        EXPECT_EQ(names(delivered), (std::vector<std::string>{"CREATED before", "CREATED after"}));

        // A stream opened now, from the start, holds the same history: nothing lost.
        auto replay = watch("0");
        ASSERT_EQ(replay.status(), 200);
        EXPECT_EQ(names(changes_until(replay, "after", 10s)), names(delivered));

        auto http = client();
        EXPECT_TRUE(eventually([&] { return http.get("/healthcheck").status == 200; }, kRecoveryDeadline));
        const auto metrics = http.get("/metrics").body;
        EXPECT_GE(metric(metrics, "ambient_streams_open").value_or(0), 2) << metrics;
        EXPECT_FALSE(old_stream.ended());
    }

    TempDir data_dir_;
    std::unique_ptr<PgCluster> cluster_;
    std::unique_ptr<ServerProcess> server_;
};

TEST_F(DatabaseFaults, RestartFastKeepsOpenStreamsDelivering) {
    expect_streams_survive([&] { cluster_->restart("fast"); });
}

TEST_F(DatabaseFaults, RestartImmediateKeepsOpenStreamsDelivering) {
    expect_streams_survive([&] { cluster_->restart("immediate"); });
}

TEST_F(DatabaseFaults, KilledPostmasterThenStartKeepsOpenStreamsDelivering) {
    expect_streams_survive([&] {
        cluster_->kill_postmaster();
        cluster_->start_server();
    });
}

TEST_F(DatabaseFaults, TenSecondsDownFailsFastPingsAndRecovers) {
    expect_streams_survive([&] {
        // A second stream, idle through the outage, to watch its pings.
        auto idle = watch();
        ASSERT_EQ(idle.status(), 200);
        const auto down_since = Clock::now();
        cluster_->stop_server("fast");

        auto http = client();
        for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
                 {"GET", kBase + "/projects"}, {"POST", kBase + "/projects"}, {"GET", kBase + "/sessions"}}) {
            const auto started = Clock::now();
            const auto r = http.request(method, target, method == "POST" ? R"({"name":"down"})" : "");
            EXPECT_LT(Clock::now() - started, kFailFastBound) << method << " " << target;
            EXPECT_EQ(r.status, 503) << method << " " << target << ": " << r.body;
            if (r.status == 503) {
                EXPECT_EQ(r.json().value("reason", ""), "Database unavailable") << r.body;
            }
        }
        const auto health = http.get("/healthcheck");
        EXPECT_EQ(health.status, 503);
        EXPECT_EQ(health.json().value("reason", ""), "database unavailable") << health.body;

        // Pings go on while the database is away (one a second here).
        const auto pings = idle.comments();
        EXPECT_TRUE(eventually(
            [&] {
                idle.next(100ms);
                return idle.comments() >= pings + 3;
            },
            10s))
            << "the idle stream stopped pinging";
        EXPECT_FALSE(idle.ended());

        while (Clock::now() - down_since < kOutage) {
            EXPECT_FALSE(idle.next(100ms)) << "a change arrived while the database was down";
        }
        cluster_->start_server();
        // Streams that lived through the outage count as resumed once the database is back.
        EXPECT_TRUE(eventually(
            [&] { return metric(http.get("/metrics").body, "ambient_streams_resumed_total").value_or(0) >= 1; },
            kRecoveryDeadline));
    });
}

// Session message streams take the same path: the stream opened before a 10 s outage pings
// through it and then delivers the message pushed after it, every message once, in order.
TEST_F(DatabaseFaults, MessageStreamsPingThroughAnOutageAndCarryOn) {
    auto http = client();
    ASSERT_EQ(http.post(kBase + "/projects", R"({"name":"talk"})").status, 201);
    const auto session = http.post(kBase + "/sessions", R"({"name":"s","project_id":"talk"})");
    ASSERT_EQ(session.status, 201) << session.body;
    const std::string messages = kBase + "/sessions/" + session.json()["id"].get<std::string>() + "/messages";
    SseReader stream(server_->host(), server_->port(), messages, {{"Authorization", std::string("Bearer ") + kToken}});
    ASSERT_EQ(stream.status(), 200);

    // Pushes a user message, retrying while the database comes back. (A push that committed
    // but whose answer was lost would show up twice below.)
    const auto push = [&](const std::string& payload) {
        ASSERT_TRUE(eventually(
            [&] {
                const auto r = http.post(messages, json{{"payload", payload}}.dump());
                if (r.status == 201) return true;
                EXPECT_EQ(r.status, 503) << r.body;
                return false;
            },
            kRecoveryDeadline))
            << server_->log();
    };
    std::vector<std::pair<std::int64_t, std::string>> seen;
    const auto read_until = [&](const std::string& payload) {
        const auto until = Clock::now() + kRecoveryDeadline;
        while (Clock::now() < until) {
            const auto e = stream.next(1s);
            if (!e) continue;
            seen.emplace_back(std::stoll(e->id), json::parse(e->data).value("payload", ""));
            if (seen.back().second == payload) return true;
        }
        return false;
    };

    push("before");
    ASSERT_TRUE(read_until("before"));
    const auto down_since = Clock::now();
    cluster_->stop_server("fast");
    const auto pings = stream.comments();
    while (Clock::now() - down_since < kOutage) {
        EXPECT_FALSE(stream.next(100ms)) << "a message arrived while the database was down";
    }
    EXPECT_GE(stream.comments(), pings + 3) << "the stream stopped pinging";
    cluster_->start_server();

    push("after");
    ASSERT_TRUE(read_until("after")) << server_->log();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_LT(seen[0].first, seen[1].first);
    EXPECT_FALSE(stream.ended());
}

}  // namespace
}  // namespace ambient::testing
