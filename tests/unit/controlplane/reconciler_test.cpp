#include "controlplane/reconciler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

namespace ambient::controlplane {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Time = WorkQueue::Clock::time_point;

// A runtime in memory: runners are names; readiness and exits are driven by the test.
class FakeRuntime : public Runtime {
public:
    void set_listener(Listener listener) override { listener_ = std::move(listener); }
    bool has_runner(const std::string& id) const override { return runners_.contains(id); }
    std::size_t live_runners() const override { return runners_.size(); }
    std::vector<std::string> adopt() override { return {}; }
    std::vector<std::string> runner_ids() const override { return {runners_.begin(), runners_.end()}; }
    bool write_token(const std::string& id, const std::string&) override { return runners_.contains(id); }
    void provision(const ProvisionRequest& request) override {
        const auto id = request.session.at("id").get<std::string>();
        tokens[id] = request.token;
        calls.push_back("provision " + id);
        if (failing.contains(id)) throw std::runtime_error("cannot start");
        runners_.insert(id);
    }
    std::optional<std::string> ready_url(const std::string& id) const override {
        if (!ready_.contains(id)) return std::nullopt;
        return "http://127.0.0.1:" + std::to_string(4000 + ready_.size());
    }
    // Asynchronous, like the real ones: the runner is gone when the test says so (exit()).
    void stop(const std::string& id) override { calls.push_back("stop " + id); }
    void remove(const std::string& id) override {
        calls.push_back("remove " + id);
        runners_.erase(id);
        ready_.erase(id);
    }
    void make_ready(const std::string& id) { ready_.insert(id); }
    void adopted(const std::string& id) {
        runners_.insert(id);
        ready_.insert(id);
    }
    void vanish(const std::string& id) {
        runners_.erase(id);
        ready_.erase(id);
    }

    std::vector<std::string> calls;
    std::set<std::string> failing;
    std::map<std::string, std::string> tokens;  // the token each runner was started with

private:
    Listener listener_;
    std::set<std::string> runners_;
    std::set<std::string> ready_;
};

class ReconcilerTest : public ::testing::Test {
protected:
    ReconcilerTest()
        : reconciler_(runtime_,
                      {.patch_status = [this](const std::string& id, const json& fields) { return patch(id, fields); },
                       .credential_ids = [](const std::string&) { return std::string(R"({"github":"c1"})"); },
                       .mint_token = [](const std::string& id) { return "token-of-" + id; }},
                      ReconcilerOptions{.max_sessions = 2}) {}

    json patch(const std::string& id, const json& fields) {
        // Timestamps are checked by their own test; the others compare the rest exactly.
        auto shown = fields;
        for (const char* t : {"start_time", "completion_time"}) {
            if (shown.erase(t) > 0) stamps.push_back(id + " " + fields.at("phase").get<std::string>() + " " + t);
        }
        writes.push_back(id + " " + shown.dump());
        auto& s = server_[id];
        for (const auto& [k, v] : fields.items())
            s[k] = v;
        return s;
    }
    // The API server's state of a session changes (a user started or stopped it) and the
    // watch reports it.
    void change(const std::string& id, const std::string& phase, const std::string& project = "p1") {
        auto& s = server_[id];
        s["id"] = id;
        s["project_id"] = project;
        s["phase"] = phase;
        reconciler_.observe({Resource::Sessions, WatchEventType::Modified, id, s, 1, {}});
    }
    void run() {
        while (reconciler_.step(now_)) {
        }
    }
    // A runner we asked to stop is gone.
    void stopped(const std::string& id) {
        runtime_.vanish(id);
        reconciler_.notify_exited(id, {143, "killed by SIGTERM", "", true});
        run();
    }
    void later(std::chrono::seconds d) {
        now_ += d;
        run();
    }

    FakeRuntime runtime_;
    std::map<std::string, json> server_;
    std::vector<std::string> writes;
    std::vector<std::string> stamps;  // "<id> <phase> start_time|completion_time"
    Reconciler reconciler_;
    Time now_ = Time() + 1000s;
};

TEST_F(ReconcilerTest, APendingSessionGetsARunnerThenRunningOnceReady) {
    change("s1", "Pending");
    run();
    EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"provision s1"}));
    EXPECT_EQ(runtime_.tokens["s1"], "token-of-s1");  // minted before the runner starts
    EXPECT_EQ(writes, (std::vector<std::string>{R"(s1 {"phase":"Creating"})"}));
    runtime_.make_ready("s1");
    reconciler_.notify_ready("s1");
    run();
    ASSERT_EQ(writes.size(), 2u);
    EXPECT_EQ(writes[1], R"(s1 {"phase":"Running","runner_url":"http://127.0.0.1:4001"})");
    // Our own write comes back through the watch: nothing more happens.
    change("s1", "Running");
    server_["s1"]["runner_url"] = "http://127.0.0.1:4001";
    reconciler_.observe({Resource::Sessions, WatchEventType::Modified, "s1", server_["s1"], 2, {}});
    run();
    EXPECT_EQ(writes.size(), 2u);
    EXPECT_EQ(runtime_.calls.size(), 1u);
}

TEST_F(ReconcilerTest, StartTimeIsWrittenOncePerRunAndCompletionTimeWhenItEnds) {
    change("s1", "Pending");
    run();
    runtime_.make_ready("s1");
    reconciler_.notify_ready("s1");
    run();
    // The runner dies; a new one is started within the same run: start_time stays.
    runtime_.vanish("s1");
    change("s1", "Running");  // as written (with start_time) by us
    server_["s1"]["start_time"] = "2026-12-07T00:00:00Z";
    reconciler_.observe({Resource::Sessions, WatchEventType::Modified, "s1", server_["s1"], 2, {}});
    run();
    runtime_.make_ready("s1");
    reconciler_.notify_ready("s1");
    run();
    change("s1", "Stopping");
    run();
    stopped("s1");
    EXPECT_EQ(stamps, (std::vector<std::string>{"s1 Running start_time", "s1 Stopped completion_time"}));
}

TEST_F(ReconcilerTest, NeverStartedSessionsGetNoRunner) {
    change("s1", "");
    run();
    EXPECT_TRUE(runtime_.calls.empty());
    EXPECT_TRUE(writes.empty());
}

TEST_F(ReconcilerTest, StoppingStopsTheRunnerAndWritesStopped) {
    change("s1", "Pending");
    run();
    change("s1", "Stopping");
    run();
    EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"provision s1", "stop s1"}));
    EXPECT_NE(writes.back(), R"(s1 {"phase":"Stopped","runner_url":""})");  // not before it is gone
    stopped("s1");
    EXPECT_EQ(writes.back(), R"(s1 {"phase":"Stopped","runner_url":""})");
}

TEST_F(ReconcilerTest, ARunnerThatExitsFailsItsSessionWithTheReason) {
    change("s1", "Pending");
    run();
    runtime_.vanish("s1");
    reconciler_.notify_exited("s1", {137, "killed by SIGKILL", "out of memory", false});
    run();
    const auto last = json::parse(writes.back().substr(3));
    EXPECT_EQ(last["phase"], "Failed");
    // JSON text, as the API server's status field is.
    ASSERT_TRUE(last["conditions"].is_string());
    const auto conditions = json::parse(last["conditions"].get<std::string>());
    EXPECT_EQ(conditions[0]["type"], "RunnerExited");
    EXPECT_EQ(conditions[0]["reason"], "killed by SIGKILL");
    EXPECT_EQ(conditions[0]["message"], "out of memory");
    EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"provision s1"}));  // not started again
}

TEST_F(ReconcilerTest, ARunnerThatExitsCleanlyCompletesItsSession) {
    change("s1", "Pending");
    run();
    runtime_.vanish("s1");
    reconciler_.notify_exited("s1", {0, "exit status 0", "", false});
    run();
    EXPECT_EQ(json::parse(writes.back().substr(3))["phase"], "Completed");
}

TEST_F(ReconcilerTest, DeletedSessionsAndSessionsMissingFromAListAreRemoved) {
    change("s1", "Pending");
    change("s2", "Pending");
    run();
    reconciler_.observe({Resource::Sessions, WatchEventType::Deleted, "s1", nullptr, 3, {}});
    reconciler_.observe({Resource::Sessions, WatchEventType::Synced, "", nullptr, 0, {"s1"}});
    run();
    EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"provision s1", "provision s2", "remove s1", "remove s2"}));
    EXPECT_TRUE(reconciler_.session("s1").is_null());
}

TEST_F(ReconcilerTest, AnAdoptedRunnerWhoseSessionIsNotListedIsRemoved) {
    runtime_.adopted("gone");  // left running by the previous control plane
    runtime_.adopted("kept");
    change("kept", "Running");
    reconciler_.observe({Resource::Sessions, WatchEventType::Synced, "", nullptr, 0, {"kept"}});
    run();
    EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"remove gone"}));
    EXPECT_TRUE(runtime_.has_runner("kept"));
}

TEST_F(ReconcilerTest, SessionsAreCountedByPhase) {
    change("s1", "Pending");
    change("s2", "");
    change("s3", "Stopped");
    run();
    EXPECT_EQ(reconciler_.sessions_by_phase(),
              (std::map<std::string, std::size_t>{{"", 1}, {"Creating", 1}, {"Stopped", 1}}));
}

TEST_F(ReconcilerTest, ADeletedProjectRemovesOnlyItsSessions) {
    change("a1", "Pending", "alpha");
    change("b1", "Pending", "beta");
    run();
    reconciler_.observe({Resource::Projects, WatchEventType::Deleted, "alpha", nullptr, 4, {}});
    run();
    EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"provision a1", "provision b1", "remove a1"}));
}

TEST_F(ReconcilerTest, SessionsAboveTheCapWaitUntilARunnerEnds) {
    change("s1", "Pending");
    change("s2", "Pending");
    change("s3", "Pending");
    run();
    EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"provision s1", "provision s2"}));
    EXPECT_EQ(server_["s3"]["phase"], "Pending");
    change("s1", "Stopping");
    run();
    EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"provision s1", "provision s2", "stop s1"}));
    stopped("s1");  // the slot is free only once the runner is gone
    EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"provision s1", "provision s2", "stop s1", "provision s3"}));
}

TEST_F(ReconcilerTest, ARuntimeThatKeepsRefusingToStartARunnerFailsTheSessionWithTheReason) {
    runtime_.failing.insert("s1");
    change("s1", "Pending");
    run();
    later(1s);
    EXPECT_EQ(server_["s1"]["phase"], "Creating");  // two refusals: still retried
    later(2s);
    EXPECT_EQ(server_["s1"]["phase"], "Failed");
    EXPECT_EQ(json::parse(server_["s1"]["conditions"].get<std::string>())[0]["reason"], "not started: cannot start");
    later(60s);
    EXPECT_EQ(std::count(runtime_.calls.begin(), runtime_.calls.end(), "provision s1"), 3);
}

TEST_F(ReconcilerTest, AFailureIsRetriedWithBackoffWithoutBlockingOthers) {
    runtime_.failing.insert("bad");
    change("bad", "Pending");
    change("good", "Pending");
    run();
    EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"provision bad", "provision good"}));
    EXPECT_EQ(reconciler_.errors(), 1u);
    later(1s);
    EXPECT_EQ(runtime_.calls.back(), "provision bad");
    runtime_.failing.clear();
    later(2s);
    EXPECT_EQ(runtime_.calls.back(), "provision bad");
    EXPECT_EQ(reconciler_.errors(), 2u);
    EXPECT_EQ(runtime_.live_runners(), 2u);
}

}  // namespace
}  // namespace ambient::controlplane
