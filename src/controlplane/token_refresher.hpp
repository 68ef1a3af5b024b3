#pragma once
// Keeps every runner's token fresh: a pass mints a new runner token for each session with a
// runner (Runtime::runner_ids()) and writes it to the runner's token file
// (Runtime::write_token). A thread does a pass at once when started — so a restarted control
// plane rewrites every token file before an old one expires — and then every `interval`.
//
// Mints run concurrently, at most `concurrency` requests in flight. With a batch mint
// (POST /runner_tokens) a request carries up to `batch_size` sessions; a server without it
// (404 or 405) is remembered, and that pass and the later ones mint one session per request.
//
// Outcomes per session: refreshed; not live (409, or not in a batch answer's items with
// status 409/404: the reconciler will stop that runner — not a failure); gone (the runner
// went away before its token was written — not a failure); failed (anything else: logged,
// rate-limited, counted, and retried after `retry_after` rather than the full interval). A
// failure never stops the pass. No log line, error or metric ever holds a token.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/api_client.hpp"  // RunnerToken, ApiCallError, RunnerTokenBatch
#include "controlplane/runtime.hpp"

namespace ambient::controlplane {

// The API server's mints (ApiClient's, as functions so tests fake them). Each throws
// ApiCallError on failure; its status says why (409: the session is no longer live).
struct TokenMintApi {
    std::function<RunnerToken(const std::string& session_id)> mint;
    // Optional: several sessions in one request. Throws ApiCallError 404/405 when the
    // server has no batch mint.
    std::function<RunnerTokenBatch(const std::vector<std::string>& session_ids)> mint_batch;
};

struct TokenRefresherOptions {
    std::chrono::milliseconds interval = std::chrono::minutes(4);
    std::size_t concurrency = 32;  // requests in flight at most
    // A pass that left failures is followed by a pass over those sessions alone this soon;
    // zero: interval / 4.
    std::chrono::milliseconds retry_after{0};
    // Sessions per batch request at most (the server's cap). A pass splits its sessions into
    // at least `concurrency` requests when each still holds 50 or more.
    std::size_t batch_size = 1000;
};

struct RefreshStats {
    std::size_t refreshed = 0;
    std::size_t failed = 0;
    std::size_t not_live = 0;  // 409 or not found: the reconciler stops those runners
    std::size_t gone = 0;      // the runner went away before its token was written
    std::chrono::microseconds duration{0};
};

// Totals since construction, for /metrics.
struct TokenRefresherMetrics {
    std::uint64_t passes_total = 0;  // full passes (not the retries of a pass's failures)
    std::uint64_t refresh_failures_total = 0;
    std::uint64_t tokens_written_total = 0;
    double last_pass_seconds = 0;  // the last full pass
};

class TokenRefresher {
public:
    // `runtime` outlives this object.
    TokenRefresher(Runtime& runtime, TokenMintApi api, TokenRefresherOptions options = {});
    ~TokenRefresher();  // stop()
    TokenRefresher(const TokenRefresher&) = delete;
    TokenRefresher& operator=(const TokenRefresher&) = delete;

    // One pass over every runner, on the caller's thread. Not to be called while the thread
    // started by start() runs.
    RefreshStats refresh_pass();
    // One pass over these sessions only, e.g. those adopted at start (those without a runner
    // count as gone). Counted in the failure and token metrics, not as a pass.
    RefreshStats refresh(const std::vector<std::string>& session_ids);

    // Starts the thread: a pass now, then every interval, failures retried sooner.
    void start();
    // Wakes the thread and waits for it; a pass in flight finishes its requests in flight
    // (bounded by the HTTP client's timeouts) and starts no more. Idempotent.
    void stop();

    // Thread-safe.
    TokenRefresherMetrics metrics() const;
    // Whether the server was found to lack the batch mint.
    bool batch_unsupported() const { return batch_unsupported_.load(); }

private:
    enum class Outcome { Skipped, Refreshed, Failed, NotLive, Gone };
    struct PassResult {
        RefreshStats stats;
        std::vector<std::string> failed_ids;
    };
    PassResult run_pass(const std::vector<std::string>& ids);
    // Runs `count` jobs on at most `concurrency` threads (this one included).
    void parallel(std::size_t count, const std::function<void(std::size_t)>& job);
    Outcome mint_one(const std::string& id);
    Outcome write(const std::string& id, const std::string& token);
    void note_failure(const std::string& id, const std::string& why);
    void loop();

    Runtime& runtime_;
    TokenMintApi api_;
    TokenRefresherOptions options_;
    std::atomic<bool> batch_unsupported_{false};

    std::atomic<bool> stopping_{false};
    std::mutex mutex_;  // guards the wait below
    std::condition_variable wake_;
    std::thread thread_;

    std::atomic<std::uint64_t> passes_total_{0};
    std::atomic<std::uint64_t> failures_total_{0};
    std::atomic<std::uint64_t> written_total_{0};
    std::atomic<std::int64_t> last_pass_us_{0};

    // Failure lines logged in the current pass: the first few are logged, the rest summed.
    std::atomic<std::size_t> logged_in_pass_{0};
};

}  // namespace ambient::controlplane
