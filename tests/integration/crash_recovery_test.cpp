// kill -9 of the API server under load, at seeded random moments, on both databases: no
// write the server acknowledged is lost, and a watcher that resumes from the last event it
// read sees every change after it exactly once, in order, with no gap.
//
// The seed is printed; AMBIENT_FAULT_SEED=<n> repeats a run.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kBase = "/api/ambient/v1";
constexpr int kWriters = 8;
constexpr int kKills = 3;

std::uint32_t fault_seed() {
    if (const char* text = std::getenv("AMBIENT_FAULT_SEED")) return static_cast<std::uint32_t>(std::stoul(text));
    return std::random_device{}();
}

struct Seen {
    std::int64_t id = 0;
    std::string type;
    std::string resource_id;
};

// Reads change events until the stream ends (the server died) or `enough` holds.
template <class Enough>
void read_changes(SseReader& sse, std::vector<Seen>& seen, Enough enough, Clock::time_point deadline) {
    while (!enough() && Clock::now() < deadline) {
        const auto e = sse.next(200ms);
        if (!e) {
            if (sse.ended()) return;
            continue;
        }
        if (!e->event.empty()) {
            ADD_FAILURE() << "a resumed watch got a '" << e->event << "' event: " << e->data;
            return;
        }
        const auto data = json::parse(e->data);
        seen.push_back({std::stoll(e->id), data.at("type"), data.at("resource_id")});
    }
}

class CrashRecovery : public ::testing::TestWithParam<Backend> {};

TEST_P(CrashRecovery, KillNineUnderLoadLosesNoAcknowledgedWriteAndNoEvent) {
    const auto seed = fault_seed();
    std::printf("[crash] AMBIENT_FAULT_SEED=%u\n", seed);
    std::mt19937 random(seed);

    // The first server owns the data dir (and database) every restarted one uses.
    const auto first = std::make_unique<ApiServer>(GetParam());
    ApiServer* live = first.get();

    std::mutex mutex;
    std::set<std::string> acknowledged;  // project ids the server answered 201 for
    std::vector<Seen> seen;              // every change event read, across restarts
    int next_name = 0;
    std::vector<std::unique_ptr<ApiServer>> restarted;

    for (int round = 0; round <= kKills; ++round) {
        // The watcher resumes from the last event it read (from the start, the first time).
        HeaderPairs headers{{"Authorization", std::string("Bearer ") + kTestToken}};
        if (!seen.empty()) headers.emplace_back("Last-Event-ID", std::to_string(seen.back().id));
        SseReader sse(live->process().host(), live->process().port(), kBase + "/projects?watch=true", headers);
        ASSERT_EQ(sse.status(), 200);
        if (round == kKills) {
            // The last server lives: read until every stored project's creation was seen.
            auto client = live->client();
            std::set<std::string> stored;
            for (const auto& id : acknowledged)
                stored.insert(id);
            // Writes that were committed but whose answer the kill swallowed are stored too.
            for (int page = 1;; ++page) {
                const auto listed = client.get(kBase + "/projects?size=500&page=" + std::to_string(page));
                ASSERT_EQ(listed.status, 200);
                const auto items = listed.json()["items"];
                for (const auto& item : items)
                    stored.insert(item["id"].get<std::string>());
                if (items.empty()) break;
            }
            std::set<std::string> created;
            std::size_t counted = 0;
            const auto all_created = [&] {
                for (; counted < seen.size(); ++counted) {
                    if (seen[counted].type == "CREATED") created.insert(seen[counted].resource_id);
                }
                return std::includes(created.begin(), created.end(), stored.begin(), stored.end());
            };
            read_changes(sse, seen, all_created, Clock::now() + 30s);
            all_created();
            for (const auto& id : acknowledged) {
                EXPECT_EQ(client.get(kBase + "/projects/" + id).status, 200) << id << " was acknowledged, then lost";
            }
            std::vector<std::string> unseen, unstored;
            std::set_difference(stored.begin(), stored.end(), created.begin(), created.end(),
                                std::back_inserter(unseen));
            std::set_difference(created.begin(), created.end(), stored.begin(), stored.end(),
                                std::back_inserter(unstored));
            EXPECT_TRUE(unseen.empty()) << unseen.size() << " stored projects never seen created, e.g. "
                                        << unseen.front();
            EXPECT_TRUE(unstored.empty())
                << unstored.size() << " projects seen created but not stored, e.g. " << unstored.front();
            break;
        }

        std::atomic<bool> stop{false};
        std::vector<std::thread> writers;
        for (int w = 0; w < kWriters; ++w) {
            writers.emplace_back([&, w] {
                auto client = live->client();
                while (!stop.load()) {
                    std::string name;
                    {
                        std::lock_guard lock(mutex);
                        name = "crash-" + std::to_string(next_name++);
                    }
                    try {
                        const auto created = client.post(kBase + "/projects", json{{"name", name}}.dump());
                        if (created.status == 201) {
                            std::lock_guard lock(mutex);
                            acknowledged.insert(created.json()["id"].get<std::string>());
                        } else if (created.status != 0) {
                            ADD_FAILURE() << "writer " << w << ": " << created.status << " " << created.body;
                            return;
                        }
                    } catch (const std::exception&) {
                        return;  // the server died under us
                    }
                }
            });
        }
        // The kill lands somewhere in the load, a different place each round and seed.
        const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 900)(random));
        std::vector<Seen> this_round;
        read_changes(
            sse, this_round, [] { return false; }, Clock::now() + delay);
        ASSERT_EQ(::kill(live->process().pid(), SIGKILL), 0);
        read_changes(
            sse, this_round, [] { return false; }, Clock::now() + 5s);
        stop = true;
        for (auto& t : writers)
            t.join();
        seen.insert(seen.end(), this_round.begin(), this_round.end());
        {
            std::lock_guard lock(mutex);
            ASSERT_FALSE(acknowledged.empty()) << "round " << round << ": no write acknowledged before the kill";
        }
        restarted.push_back(std::make_unique<ApiServer>(SharedDatabase{*first}));
        live = restarted.back().get();
    }

    // Across every restart: ids strictly increase (no repeat, no reordering), and no project
    // is created twice.
    std::set<std::string> created_once;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        if (i > 0) {
            EXPECT_GT(seen[i].id, seen[i - 1].id) << "event " << i;
        }
        if (seen[i].type == "CREATED") {
            EXPECT_TRUE(created_once.insert(seen[i].resource_id).second) << seen[i].resource_id << " created twice";
        }
    }
    std::printf("[crash] %zu acknowledged writes, %zu events read over %d kills\n", acknowledged.size(), seen.size(),
                kKills);
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashRecovery, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
