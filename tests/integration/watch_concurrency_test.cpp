// Watch streams under concurrent writers on PostgreSQL, where writers take no common lock and
// event ids may commit out of id order (src/api/streams/event_frontier.hpp): 16 writers
// through two servers make 20,000 changes while 4 watchers (two on each server) follow them.
// Every watcher must see every acknowledged change once, in strictly increasing id order,
// each writer's changes in the order it made them; a watcher that resumes with
// Last-Event-ID from midway must get exactly the rest.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kWriters = 16;
constexpr int kChanges = 20000;
constexpr int kUpdatesPerObject = 3;
constexpr int kDeleteEvery = 4;  // every 4th object is deleted
constexpr auto kDeadline = 120s;
const std::string kBase = "/api/ambient/v1";
const std::string kBarrier = "barrier-change";
const std::string kFinal = "final-change";

// What identifies a change on the wire: its type, object and the description it set.
std::string change_key(std::string_view type, std::string_view resource, std::string_view description) {
    return std::string(type) + '|' + std::string(resource) + '|' + std::string(description);
}

std::string resource_marker(const std::string& name) {
    return "\"resource_id\":\"" + name + "\"";
}

struct Seen {
    std::int64_t id = 0;
    std::string key;
    std::string resource;
    bool is_delete = false;
};

std::vector<Seen> parse(const std::vector<SseEvent>& events) {
    std::vector<Seen> out;
    for (const auto& e : events) {
        if (!e.event.empty()) {
            ADD_FAILURE() << "unexpected event " << e.event << ": " << e.data;
            continue;
        }
        const auto data = json::parse(e.data);
        std::string description;
        if (data.contains("object") && data["object"].contains("description") &&
            data["object"]["description"].is_string()) {
            description = data["object"]["description"];
        }
        const std::string type = data.at("type");
        const std::string resource = data.at("resource_id");
        out.push_back({std::stoll(e.id), change_key(type, resource, description), resource, type == "DELETED"});
    }
    return out;
}

SseReader open_watch(ApiServer& server, HeaderPairs headers = {}) {
    headers.emplace_back("Authorization", std::string("Bearer ") + kTestToken);
    return SseReader(server.process().host(), server.process().port(), kBase + "/projects?watch=true", headers);
}

// Reads until the final change's event (or the deadline); `on_event` sees each as it comes.
std::vector<SseEvent> read_until_final(SseReader& sse, std::chrono::steady_clock::time_point deadline,
                                       const std::function<void(const SseEvent&)>& on_event = {}) {
    std::vector<SseEvent> events;
    const auto final_marker = resource_marker(kFinal);
    while (std::chrono::steady_clock::now() < deadline) {
        auto e = sse.next(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
        if (!e) break;
        if (on_event) on_event(*e);
        const bool last = e->data.find(final_marker) != std::string::npos;
        events.push_back(std::move(*e));
        if (last) break;
    }
    return events;
}

// Counts the watchers that have seen the barrier change.
class Barrier {
public:
    void seen() {
        std::lock_guard lock(mutex_);
        ++count_;
        cv_.notify_all();
    }
    bool wait_for(std::size_t n, std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        return cv_.wait_until(lock, deadline, [&] { return count_ >= n; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t count_ = 0;
};

// One writer's changes to objects w<N>-<j>: each is created and updated; once every watcher
// has seen all of that, every kDeleteEvery-th is deleted. Deleting only then keeps the test
// strict: a delete seals the object's earlier events (repository.cpp), which are then no
// longer sent, so an object deleted before a watcher read its create would excuse a miss.
struct Op {
    enum Kind { Create, Update, Delete } kind;
    std::string name;
    int step = 0;  // its description is <name>-<step>
};

struct WriterLog {
    std::vector<Op> first, then;    // the plan: before and after the barrier
    std::vector<std::string> keys;  // acknowledged changes, in order
    std::set<std::string> deleted;  // objects it deleted
    std::string failure;
};

void plan_changes(int writer, int count, WriterLog& log) {
    int planned = 0;
    std::string name;
    for (int object = 0;; ++object) {
        const bool deletes = object % kDeleteEvery == kDeleteEvery - 1;
        const int cost = 1 + kUpdatesPerObject + (deletes ? 1 : 0);
        if (planned + cost > count) break;
        name = "w" + std::to_string(writer) + "-" + std::to_string(object);
        log.first.push_back({Op::Create, name, 0});
        for (int step = 1; step <= kUpdatesPerObject; ++step)
            log.first.push_back({Op::Update, name, step});
        if (deletes) log.then.push_back({Op::Delete, name, 0});
        planned += cost;
    }
    // The remainder: more updates of the last object, so that the total is exact.
    for (int step = kUpdatesPerObject + 1; planned < count; ++step, ++planned)
        log.first.push_back({Op::Update, name, step});
}

void write_changes(ApiServer& server, const std::vector<Op>& ops, WriterLog& log) {
    auto http = server.client();
    for (const auto& op : ops) {
        const auto description = op.name + "-" + std::to_string(op.step);
        HttpResult r;
        int expected = 0;
        std::string key;
        switch (op.kind) {
            case Op::Create:
                r = http.post(kBase + "/projects", json{{"name", op.name}, {"description", description}}.dump());
                expected = 201;
                key = change_key("CREATED", op.name, description);
                break;
            case Op::Update:
                r = http.patch(kBase + "/projects/" + op.name, json{{"description", description}}.dump());
                expected = 200;
                key = change_key("UPDATED", op.name, description);
                break;
            case Op::Delete:
                r = http.del(kBase + "/projects/" + op.name);
                expected = 204;
                key = change_key("DELETED", op.name, "");
                log.deleted.insert(op.name);
                break;
        }
        if (r.status != expected) {
            log.failure = key + ": " + std::to_string(r.status) + " " + r.body;
            return;
        }
        log.keys.push_back(std::move(key));
    }
}

// Checks one watcher's stream against what the writers acknowledged.
void check_stream(const std::string& who, const std::vector<Seen>& seen, const std::vector<WriterLog>& writers) {
    std::map<std::string, std::int64_t> id_of;
    std::int64_t previous = 0;
    for (const auto& s : seen) {
        ASSERT_GT(s.id, previous) << who << ": ids not strictly increasing (a repeat or a reorder)";
        previous = s.id;
        ASSERT_TRUE(id_of.emplace(s.key, s.id).second) << who << ": change seen twice: " << s.key;
    }
    ASSERT_TRUE(id_of.contains(change_key("CREATED", kBarrier, ""))) << who << ": the barrier never came";
    ASSERT_TRUE(id_of.contains(change_key("CREATED", kFinal, ""))) << who << ": the final change never came";
    std::size_t acknowledged = 2;  // the barrier and the final change
    for (const auto& w : writers) {
        std::int64_t last = 0;
        for (const auto& key : w.keys) {
            ++acknowledged;
            const auto it = id_of.find(key);
            ASSERT_NE(it, id_of.end()) << who << ": acknowledged change never seen: " << key;
            ASSERT_GT(it->second, last) << who << ": " << key << " came before an earlier change of its writer";
            last = it->second;
        }
    }
    EXPECT_EQ(id_of.size(), acknowledged) << who << ": changes nobody made";
}

TEST(WatchConcurrency, SixteenWritersFourWatchersOnTwoServersMissRepeatAndReorderNothing) {
    const std::vector<std::string> args = {"--db-max-open-connections", "10"};
    ApiServer a(Backend::Postgres, args);
    ApiServer b(SharedDatabase{a}, args);
    ApiServer* servers[] = {&a, &b};
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;

    std::vector<SseReader> watchers;
    for (int i = 0; i < 4; ++i) {
        watchers.push_back(open_watch(*servers[i % 2]));
        ASSERT_EQ(watchers.back().status(), 200);
    }
    std::vector<std::vector<SseEvent>> received(watchers.size());
    Barrier barrier;
    const auto barrier_marker = resource_marker(kBarrier);
    std::vector<std::thread> readers;
    for (std::size_t i = 0; i < watchers.size(); ++i) {
        readers.emplace_back([&, i] {
            received[i] = read_until_final(watchers[i], deadline, [&](const SseEvent& e) {
                if (e.data.find(barrier_marker) != std::string::npos) barrier.seen();
            });
        });
    }

    std::vector<WriterLog> writers(kWriters);
    const int by_writers = kChanges - 2;  // the barrier and the final change are the others
    for (int w = 0; w < kWriters; ++w)
        plan_changes(w, by_writers / kWriters + (w < by_writers % kWriters ? 1 : 0), writers[w]);
    const auto run_writers = [&](std::vector<Op> WriterLog::*phase) {
        std::vector<std::thread> threads;
        for (int w = 0; w < kWriters; ++w)
            threads.emplace_back([&, w] { write_changes(*servers[w % 2], writers[w].*phase, writers[w]); });
        for (auto& t : threads)
            t.join();
    };
    const auto started = std::chrono::steady_clock::now();
    run_writers(&WriterLog::first);
    // Made after every change so far was acknowledged: a watcher that has it has had every
    // chance to see all of those before they are deleted.
    ASSERT_EQ(b.client().post(kBase + "/projects", json{{"name", kBarrier}}.dump()).status, 201);
    const bool all_saw_barrier = barrier.wait_for(watchers.size(), deadline);
    run_writers(&WriterLog::then);
    const auto wrote = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(a.client().post(kBase + "/projects", json{{"name", kFinal}}.dump()).status, 201);
    for (auto& t : readers)
        t.join();
    std::cout << kChanges << " changes by " << kWriters << " writers through two servers in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(wrote).count() << " ms\n";
    ASSERT_TRUE(all_saw_barrier) << "not every watcher saw the barrier";

    std::set<std::string> deleted;
    for (const auto& w : writers) {
        ASSERT_TRUE(w.failure.empty()) << w.failure;
        deleted.insert(w.deleted.begin(), w.deleted.end());
    }
    std::vector<std::vector<Seen>> seen;
    for (std::size_t i = 0; i < received.size(); ++i) {
        seen.push_back(parse(received[i]));
        check_stream("watcher " + std::to_string(i), seen.back(), writers);
    }

    // Resuming from midway, on either server: exactly what followed, less the creates and
    // updates of the objects deleted since (sealed: a replay never sends them).
    const auto& full = seen[0];
    ASSERT_GT(full.size(), 2U);
    const auto mid = full[full.size() / 2].id;
    std::vector<std::pair<std::int64_t, std::string>> expected;
    for (const auto& s : full) {
        if (s.id > mid && (s.is_delete || !deleted.contains(s.resource))) expected.emplace_back(s.id, s.key);
    }
    for (auto* server : servers) {
        auto resumed = open_watch(*server, {{"Last-Event-ID", std::to_string(mid)}});
        ASSERT_EQ(resumed.status(), 200);
        std::vector<std::pair<std::int64_t, std::string>> got;
        for (const auto& s : parse(read_until_final(resumed, std::chrono::steady_clock::now() + 30s)))
            got.emplace_back(s.id, s.key);
        EXPECT_EQ(got, expected) << "resumed after " << mid;
    }
}

}  // namespace
}  // namespace ambient::testing
