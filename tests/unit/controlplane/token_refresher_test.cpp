#include "controlplane/token_refresher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace ambient::controlplane {
namespace {

using namespace std::chrono_literals;

// A runtime whose runners are names and whose token files are a map; thread-safe like the
// real ones, since the refresher writes from several threads.
class FakeRuntime : public Runtime {
public:
    explicit FakeRuntime(std::size_t runners) {
        for (std::size_t i = 0; i < runners; ++i)
            runners_.insert("s" + std::to_string(i));
    }
    void set_listener(Listener) override {}
    std::vector<std::string> adopt() override { return {}; }
    bool has_runner(const std::string& id) const override {
        const std::lock_guard lock(mutex_);
        return runners_.contains(id);
    }
    std::size_t live_runners() const override {
        const std::lock_guard lock(mutex_);
        return runners_.size();
    }
    std::vector<std::string> runner_ids() const override {
        const std::lock_guard lock(mutex_);
        return {runners_.begin(), runners_.end()};
    }
    void provision(const ProvisionRequest&) override {}
    std::optional<std::string> ready_url(const std::string&) const override { return std::nullopt; }
    bool write_token(const std::string& id, const std::string& token) override {
        {
            const std::lock_guard lock(mutex_);
            if (unwritable.contains(id)) throw std::runtime_error("disk full");
            if (!runners_.contains(id)) return false;
            files[id] = token;
            ++writes[id];
        }
        written_.notify_all();
        return true;
    }
    void stop(const std::string&) override {}
    void remove(const std::string& id) override {
        const std::lock_guard lock(mutex_);
        runners_.erase(id);
    }
    // Waits (bounded) until `id`'s token file was written `n` times.
    bool wait_for_writes(const std::string& id, int n, std::chrono::milliseconds timeout = 5s) {
        std::unique_lock lock(mutex_);
        return written_.wait_for(lock, timeout, [&] { return writes[id] >= n; });
    }
    int writes_of(const std::string& id) {
        const std::lock_guard lock(mutex_);
        return writes[id];
    }

    std::map<std::string, std::string> files;
    std::map<std::string, int> writes;
    std::set<std::string> unwritable;

private:
    mutable std::mutex mutex_;
    std::condition_variable written_;
    std::set<std::string> runners_;
};

// The API server's mints: a token named after the session and a counter, unless the test
// made that session fail with a status.
class FakeMints {
public:
    TokenMintApi api(bool with_batch = false) {
        TokenMintApi a;
        a.mint = [this](const std::string& id) { return mint(id); };
        if (with_batch) a.mint_batch = [this](const std::vector<std::string>& ids) { return mint_batch(ids); };
        return a;
    }
    RunnerToken mint(const std::string& id) {
        const auto now = ++in_flight;
        for (auto seen = max_in_flight.load(); now > seen && !max_in_flight.compare_exchange_weak(seen, now);) {
        }
        std::this_thread::sleep_for(delay);
        --in_flight;
        const std::lock_guard lock(mutex);
        ++single_calls;
        if (auto it = failures.find(id); it != failures.end() && it->second.remaining != 0) {
            --it->second.remaining;
            throw ApiCallError(it->second.status, "POST /sessions/" + id + "/runner_token: failing");
        }
        return {"token-of-" + id + "-" + std::to_string(++minted[id]), "2030-01-01T00:00:00Z"};
    }
    RunnerTokenBatch mint_batch(const std::vector<std::string>& ids) {
        {
            const std::lock_guard lock(mutex);
            batch_sizes.push_back(ids.size());
            if (batch_status != 0)
                throw ApiCallError(batch_status, "POST /runner_tokens: " + std::to_string(batch_status));
        }
        RunnerTokenBatch batch;
        for (const auto& id : ids) {
            const std::lock_guard lock(mutex);
            if (omitted.contains(id)) continue;
            if (auto it = failures.find(id); it != failures.end() && it->second.remaining != 0) {
                --it->second.remaining;
                batch.errors.push_back({id, it->second.status, "failing"});
                continue;
            }
            batch.items.push_back({id, {"token-of-" + id + "-" + std::to_string(++minted[id]), ""}});
        }
        return batch;
    }
    void fail(const std::string& id, int status, int times = -1) {
        const std::lock_guard lock(mutex);
        failures[id] = {status, times};
    }
    int minted_of(const std::string& id) {
        const std::lock_guard lock(mutex);
        return minted[id];
    }

    struct Failure {
        int status = 0;
        int remaining = -1;  // -1: always
    };
    std::mutex mutex;
    std::map<std::string, Failure> failures;
    std::map<std::string, int> minted;
    std::set<std::string> omitted;  // left out of batch answers altogether
    std::vector<std::size_t> batch_sizes;
    int batch_status = 0;  // non-zero: the batch call fails with it
    int single_calls = 0;
    std::chrono::milliseconds delay{0};
    std::atomic<int> in_flight{0};
    std::atomic<int> max_in_flight{0};
};

TEST(TokenRefresherTest, PassWritesATokenForEveryRunner) {
    FakeRuntime runtime(100);
    FakeMints mints;
    TokenRefresher refresher(runtime, mints.api());
    const auto stats = refresher.refresh_pass();
    EXPECT_EQ(stats.refreshed, 100u);
    EXPECT_EQ(stats.failed, 0u);
    ASSERT_EQ(runtime.files.size(), 100u);
    EXPECT_EQ(runtime.files["s42"], "token-of-s42-1");
    const auto m = refresher.metrics();
    EXPECT_EQ(m.passes_total, 1u);
    EXPECT_EQ(m.tokens_written_total, 100u);
    EXPECT_EQ(m.refresh_failures_total, 0u);
}

TEST(TokenRefresherTest, OneFailingSessionDoesNotStopTheOthers) {
    FakeRuntime runtime(50);
    FakeMints mints;
    mints.fail("s7", 500);
    mints.fail("s8", 0);  // no response at all
    TokenRefresher refresher(runtime, mints.api());
    const auto stats = refresher.refresh_pass();
    EXPECT_EQ(stats.refreshed, 48u);
    EXPECT_EQ(stats.failed, 2u);
    EXPECT_FALSE(runtime.files.contains("s7"));
    EXPECT_EQ(refresher.metrics().refresh_failures_total, 2u);
}

TEST(TokenRefresherTest, SessionNoLongerLiveIsNotAFailure) {
    FakeRuntime runtime(10);
    FakeMints mints;
    mints.fail("s1", 409);
    mints.fail("s2", 404);
    TokenRefresher refresher(runtime, mints.api());
    const auto stats = refresher.refresh_pass();
    EXPECT_EQ(stats.refreshed, 8u);
    EXPECT_EQ(stats.not_live, 2u);
    EXPECT_EQ(stats.failed, 0u);
    EXPECT_EQ(refresher.metrics().refresh_failures_total, 0u);
}

// The runner went away between the list and the write: the reconciler's business.
class VanishingRuntime : public FakeRuntime {
public:
    using FakeRuntime::FakeRuntime;
    bool write_token(const std::string& id, const std::string& token) override {
        if (id == "s3") remove(id);
        return FakeRuntime::write_token(id, token);
    }
};

TEST(TokenRefresherTest, RunnerGoneBeforeTheWriteIsNotAFailure) {
    VanishingRuntime runtime(5);
    FakeMints mints;
    TokenRefresher refresher(runtime, mints.api());
    const auto stats = refresher.refresh_pass();
    EXPECT_EQ(stats.refreshed, 4u);
    EXPECT_EQ(stats.gone, 1u);
    EXPECT_EQ(stats.failed, 0u);
}

TEST(TokenRefresherTest, TokenFileThatCannotBeWrittenIsAFailure) {
    FakeRuntime runtime(5);
    runtime.unwritable.insert("s2");
    FakeMints mints;
    TokenRefresher refresher(runtime, mints.api());
    const auto stats = refresher.refresh_pass();
    EXPECT_EQ(stats.refreshed, 4u);
    EXPECT_EQ(stats.failed, 1u);
}

TEST(TokenRefresherTest, MintsConcurrentlyWithinTheBound) {
    FakeRuntime runtime(64);
    FakeMints mints;
    mints.delay = 5ms;
    TokenRefresher refresher(runtime, mints.api(), {.concurrency = 4});
    const auto stats = refresher.refresh_pass();
    EXPECT_EQ(stats.refreshed, 64u);
    EXPECT_LE(mints.max_in_flight.load(), 4);
    EXPECT_GE(mints.max_in_flight.load(), 2);
}

TEST(TokenRefresherTest, StartsWithAPassAtOnce) {
    FakeRuntime runtime(20);
    FakeMints mints;
    TokenRefresher refresher(runtime, mints.api(), {.interval = 1h});
    refresher.start();
    for (std::size_t i = 0; i < 20; ++i)
        EXPECT_TRUE(runtime.wait_for_writes("s" + std::to_string(i), 1, 2s));
    refresher.stop();
}

TEST(TokenRefresherTest, PassesRepeatEveryInterval) {
    FakeRuntime runtime(3);
    FakeMints mints;
    TokenRefresher refresher(runtime, mints.api(), {.interval = 50ms});
    refresher.start();
    EXPECT_TRUE(runtime.wait_for_writes("s2", 3));
    refresher.stop();
    EXPECT_GE(refresher.metrics().passes_total, 3u);
}

TEST(TokenRefresherTest, FailedSessionIsRetriedBeforeTheNextPass) {
    FakeRuntime runtime(10);
    FakeMints mints;
    mints.fail("s4", 503, 2);  // the first two mints fail
    TokenRefresher refresher(runtime, mints.api(), {.interval = 1h, .retry_after = 20ms});
    refresher.start();
    EXPECT_TRUE(runtime.wait_for_writes("s4", 1));
    refresher.stop();
    // Only the failed session was minted again; one full pass in all.
    EXPECT_EQ(runtime.writes_of("s3"), 1);
    EXPECT_EQ(mints.minted_of("s3"), 1);
    EXPECT_EQ(refresher.metrics().passes_total, 1u);
    EXPECT_EQ(refresher.metrics().refresh_failures_total, 2u);
}

TEST(TokenRefresherTest, StopIsPrompt) {
    FakeRuntime runtime(2);
    FakeMints mints;
    TokenRefresher refresher(runtime, mints.api(), {.interval = 1h});
    refresher.start();
    ASSERT_TRUE(runtime.wait_for_writes("s1", 1));
    const auto before = std::chrono::steady_clock::now();
    refresher.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms);  // not the hour to the next pass
}

TEST(TokenRefresherTest, StopDuringAPassStartsNoMoreMints) {
    FakeRuntime runtime(200);
    FakeMints mints;
    mints.delay = 10ms;
    TokenRefresher refresher(runtime, mints.api(), {.interval = 1h, .concurrency = 2});
    refresher.start();
    ASSERT_TRUE(runtime.wait_for_writes("s0", 1));
    const auto before = std::chrono::steady_clock::now();
    refresher.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms);  // not the hour to the next pass
    EXPECT_LT(runtime.files.size(), 200u);
}

TEST(TokenRefresherTest, BatchMintInChunksOfTheBatchSize) {
    FakeRuntime runtime(2500);
    FakeMints mints;
    TokenRefresher refresher(runtime, mints.api(true), {.concurrency = 1, .batch_size = 1000});
    const auto stats = refresher.refresh_pass();
    EXPECT_EQ(stats.refreshed, 2500u);
    EXPECT_EQ(mints.single_calls, 0);
    auto sizes = mints.batch_sizes;
    std::sort(sizes.begin(), sizes.end());
    EXPECT_EQ(sizes, (std::vector<std::size_t>{500, 1000, 1000}));
    EXPECT_EQ(runtime.files["s1999"], "token-of-s1999-1");
}

// Enough sessions make at least `concurrency` requests, so their token files are written on
// as many threads; never fewer than 50 sessions a request, nor more than the batch size.
TEST(TokenRefresherTest, BatchChunksSpreadOverTheConcurrency) {
    const struct {
        std::size_t sessions, concurrency, batch_size;
        std::size_t requests, largest;
    } cases[] = {
        {2500, 32, 1000, 32, 79}, {5000, 4, 1000, 5, 1000},  {100, 32, 1000, 2, 50},
        {30, 32, 1000, 1, 30},    {3200, 32, 1000, 32, 100},
    };
    for (const auto& c : cases) {
        FakeRuntime runtime(c.sessions);
        FakeMints mints;
        TokenRefresher refresher(runtime, mints.api(true), {.concurrency = c.concurrency, .batch_size = c.batch_size});
        EXPECT_EQ(refresher.refresh_pass().refreshed, c.sessions);
        EXPECT_EQ(mints.batch_sizes.size(), c.requests) << c.sessions << " sessions";
        EXPECT_EQ(*std::max_element(mints.batch_sizes.begin(), mints.batch_sizes.end()), c.largest)
            << c.sessions << " sessions";
    }
}

TEST(TokenRefresherTest, BatchErrorEntriesAreSortedOut) {
    FakeRuntime runtime(10);
    FakeMints mints;
    mints.fail("s1", 409);
    mints.fail("s2", 404);
    mints.fail("s3", 500);
    mints.omitted.insert("s4");
    TokenRefresher refresher(runtime, mints.api(true));
    const auto stats = refresher.refresh_pass();
    EXPECT_EQ(stats.refreshed, 6u);
    EXPECT_EQ(stats.not_live, 2u);
    EXPECT_EQ(stats.failed, 2u);
}

TEST(TokenRefresherTest, BatchCallFailureFailsItsChunkOnly) {
    FakeRuntime runtime(10);
    FakeMints mints;
    mints.batch_status = 503;
    TokenRefresher refresher(runtime, mints.api(true), {.batch_size = 5});
    const auto stats = refresher.refresh_pass();
    EXPECT_EQ(stats.failed, 10u);
    EXPECT_FALSE(refresher.batch_unsupported());
    EXPECT_EQ(mints.batch_sizes.size(), 2u);
}

TEST(TokenRefresherTest, ServerWithoutBatchMintFallsBackToOneByOne) {
    for (int status : {404, 405}) {
        FakeRuntime runtime(30);
        FakeMints mints;
        mints.batch_status = status;
        TokenRefresher refresher(runtime, mints.api(true), {.batch_size = 10});
        auto stats = refresher.refresh_pass();
        EXPECT_EQ(stats.refreshed, 30u) << status;
        EXPECT_EQ(stats.failed, 0u) << status;
        EXPECT_TRUE(refresher.batch_unsupported());
        const auto batch_calls = mints.batch_sizes.size();
        stats = refresher.refresh_pass();
        EXPECT_EQ(stats.refreshed, 30u);
        EXPECT_EQ(mints.batch_sizes.size(), batch_calls) << "no batch call once the server is known to lack it";
        EXPECT_EQ(mints.single_calls, 60);
    }
}

}  // namespace
}  // namespace ambient::controlplane
