#include "controlplane/token_refresher.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <unordered_map>
#include <utility>

#include <spdlog/spdlog.h>

namespace ambient::controlplane {
namespace {

using Clock = std::chrono::steady_clock;

// At most this many failure lines a minute, whatever the number of sessions or passes: a
// dead API server must not turn every refresh into thousands of lines. The metric counts all.
constexpr std::size_t kLogLinesPerMinute = 10;

// Sessions per batch request at least, however high the concurrency: below this, a request's
// own cost outweighs what spreading the work gains.
constexpr std::size_t kMinChunk = 50;

class LogLimiter {
public:
    bool allow() {
        const std::lock_guard lock(mutex_);
        const auto now = Clock::now();
        if (now - window_start_ >= std::chrono::minutes(1)) {
            window_start_ = now;
            lines_ = 0;
        }
        if (lines_ >= kLogLinesPerMinute) {
            ++suppressed_;
            return false;
        }
        ++lines_;
        return true;
    }
    std::size_t take_suppressed() {
        const std::lock_guard lock(mutex_);
        return std::exchange(suppressed_, 0);
    }

private:
    std::mutex mutex_;
    Clock::time_point window_start_{};
    std::size_t lines_ = 0;
    std::size_t suppressed_ = 0;
};

LogLimiter& log_limiter() {
    // One per process: every refresher shares the operator's log.
    static LogLimiter limiter;
    return limiter;
}

// 409: the session left Pending/Creating/Running; 404: it was deleted. Either way the
// reconciler stops its runner, and there is nothing to retry.
bool means_not_live(int status) {
    return status == 409 || status == 404;
}

}  // namespace

TokenRefresher::TokenRefresher(Runtime& runtime, TokenMintApi api, TokenRefresherOptions options)
    : runtime_(runtime), api_(std::move(api)), options_(options) {
    if (options_.concurrency == 0) options_.concurrency = 1;
    if (options_.batch_size == 0) options_.batch_size = 1;
    if (options_.retry_after <= std::chrono::milliseconds::zero()) options_.retry_after = options_.interval / 4;
}

TokenRefresher::~TokenRefresher() {
    stop();
}

RefreshStats TokenRefresher::refresh_pass() {
    auto result = run_pass(runtime_.runner_ids());
    passes_total_ += 1;
    last_pass_us_ = result.stats.duration.count();
    return result.stats;
}

RefreshStats TokenRefresher::refresh(const std::vector<std::string>& session_ids) {
    return run_pass(session_ids).stats;
}

TokenRefresher::PassResult TokenRefresher::run_pass(const std::vector<std::string>& ids) {
    const auto started = Clock::now();
    // Each job writes only its own sessions' slots, so the vector needs no lock.
    std::vector<Outcome> outcomes(ids.size(), Outcome::Skipped);
    std::vector<std::size_t> one_by_one;

    if (api_.mint_batch && !batch_unsupported_) {
        // At least `concurrency` chunks when there are enough sessions: each chunk's thread
        // writes its token files (an fsync each) while the server still signs other chunks,
        // so the files are spread over the bound and overlap the minting.
        const std::size_t per_chunk = std::clamp((ids.size() + options_.concurrency - 1) / options_.concurrency,
                                                 std::min(kMinChunk, options_.batch_size), options_.batch_size);
        const std::size_t chunks = (ids.size() + per_chunk - 1) / per_chunk;
        std::vector<char> fall_back(chunks, 0);
        parallel(chunks, [&](std::size_t c) {
            const std::size_t begin = c * per_chunk;
            const std::size_t end = std::min(ids.size(), begin + per_chunk);
            const std::vector<std::string> chunk(ids.begin() + begin, ids.begin() + end);
            RunnerTokenBatch batch;
            try {
                batch = api_.mint_batch(chunk);
            } catch (const ApiCallError& e) {
                if (e.status() == 404 || e.status() == 405) {
                    // An older server: no batch route. One request per session from now on.
                    if (!batch_unsupported_.exchange(true))
                        spdlog::info("token refresh: the API server has no batch mint; minting one session at a time");
                    fall_back[c] = 1;
                    return;
                }
                note_failure(chunk.front() + " and " + std::to_string(chunk.size() - 1) + " more", e.what());
                std::fill(outcomes.begin() + begin, outcomes.begin() + end, Outcome::Failed);
                return;
            } catch (const std::exception& e) {
                note_failure(chunk.front() + " and " + std::to_string(chunk.size() - 1) + " more", e.what());
                std::fill(outcomes.begin() + begin, outcomes.begin() + end, Outcome::Failed);
                return;
            }
            std::unordered_map<std::string, std::size_t> index;
            for (std::size_t i = begin; i < end; ++i)
                index.emplace(ids[i], i);
            for (const auto& item : batch.items) {
                const auto it = index.find(item.session_id);
                if (it == index.end() || outcomes[it->second] != Outcome::Skipped) continue;  // not asked for
                if (stopping_) return;
                outcomes[it->second] = write(item.session_id, item.token.token);
            }
            for (const auto& error : batch.errors) {
                const auto it = index.find(error.session_id);
                if (it == index.end() || outcomes[it->second] != Outcome::Skipped) continue;
                if (means_not_live(error.status)) {
                    outcomes[it->second] = Outcome::NotLive;
                } else {
                    note_failure(error.session_id, std::to_string(error.status) + " " + error.reason);
                    outcomes[it->second] = Outcome::Failed;
                }
            }
            for (std::size_t i = begin; i < end; ++i) {
                if (outcomes[i] == Outcome::Skipped && !stopping_) {
                    note_failure(ids[i], "missing from the batch answer");
                    outcomes[i] = Outcome::Failed;
                }
            }
        });
        for (std::size_t c = 0; c < chunks; ++c) {
            if (!fall_back[c]) continue;
            for (std::size_t i = c * per_chunk; i < std::min(ids.size(), (c + 1) * per_chunk); ++i)
                one_by_one.push_back(i);
        }
    } else {
        one_by_one.resize(ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i)
            one_by_one[i] = i;
    }
    parallel(one_by_one.size(), [&](std::size_t k) {
        const auto i = one_by_one[k];
        outcomes[i] = mint_one(ids[i]);
    });

    PassResult result;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        switch (outcomes[i]) {
            case Outcome::Refreshed:
                ++result.stats.refreshed;
                break;
            case Outcome::Failed:
                ++result.stats.failed;
                result.failed_ids.push_back(ids[i]);
                break;
            case Outcome::NotLive:
                ++result.stats.not_live;
                break;
            case Outcome::Gone:
                ++result.stats.gone;
                break;
            case Outcome::Skipped:  // stopped before its turn
                break;
        }
    }
    result.stats.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    failures_total_ += result.stats.failed;
    if (result.stats.failed > 0 && log_limiter().allow()) {
        spdlog::warn("token refresh: {} of {} sessions failed, retried in {} ms ({} failure lines not logged)",
                     result.stats.failed, ids.size(), options_.retry_after.count(), log_limiter().take_suppressed());
    }
    spdlog::debug("token refresh: {} refreshed, {} failed, {} not live, {} gone in {} ms", result.stats.refreshed,
                  result.stats.failed, result.stats.not_live, result.stats.gone, result.stats.duration.count() / 1000);
    return result;
}

void TokenRefresher::parallel(std::size_t count, const std::function<void(std::size_t)>& job) {
    if (count == 0) return;
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (auto i = next++; i < count && !stopping_; i = next++)
            job(i);
    };
    const auto threads = std::min(count, options_.concurrency);
    std::vector<std::thread> helpers;
    helpers.reserve(threads - 1);
    for (std::size_t t = 1; t < threads; ++t)
        helpers.emplace_back(worker);
    worker();
    for (auto& h : helpers)
        h.join();
}

TokenRefresher::Outcome TokenRefresher::mint_one(const std::string& id) {
    RunnerToken token;
    try {
        token = api_.mint(id);
    } catch (const ApiCallError& e) {
        if (means_not_live(e.status())) return Outcome::NotLive;
        note_failure(id, e.what());
        return Outcome::Failed;
    } catch (const std::exception& e) {
        note_failure(id, e.what());
        return Outcome::Failed;
    }
    return write(id, token.token);
}

TokenRefresher::Outcome TokenRefresher::write(const std::string& id, const std::string& token) {
    try {
        if (!runtime_.write_token(id, token)) return Outcome::Gone;
    } catch (const std::exception& e) {
        // TokenFileError names the path and the system's reason, never the content.
        note_failure(id, std::string("token file: ") + e.what());
        return Outcome::Failed;
    }
    written_total_ += 1;
    return Outcome::Refreshed;
}

void TokenRefresher::note_failure(const std::string& id, const std::string& why) {
    if (log_limiter().allow()) spdlog::warn("token refresh: session {}: {}", id, why);
}

void TokenRefresher::start() {
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
}

void TokenRefresher::stop() {
    {
        // Under the mutex, so the thread cannot miss the wake between its check and its wait.
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void TokenRefresher::loop() {
    auto next_full = Clock::now();
    auto next_retry = Clock::time_point::max();
    std::vector<std::string> retry;
    while (!stopping_) {
        const auto now = Clock::now();
        std::vector<std::string> failed;
        if (now >= next_full) {
            // The interval runs from the start of a pass, so passes do not drift by their length.
            next_full = now + options_.interval;
            auto result = run_pass(runtime_.runner_ids());
            passes_total_ += 1;
            last_pass_us_ = result.stats.duration.count();
            failed = std::move(result.failed_ids);
        } else if (now >= next_retry) {
            // A runner that went away since needs no token; the reconciler has seen to it.
            std::erase_if(retry, [this](const std::string& id) { return !runtime_.has_runner(id); });
            failed = run_pass(retry).failed_ids;
        } else {
            std::unique_lock lock(mutex_);
            wake_.wait_until(lock, std::min(next_full, next_retry), [this] { return stopping_.load(); });
            continue;
        }
        retry = std::move(failed);
        next_retry = retry.empty() ? Clock::time_point::max() : Clock::now() + options_.retry_after;
    }
}

TokenRefresherMetrics TokenRefresher::metrics() const {
    return {passes_total_.load(), failures_total_.load(), written_total_.load(),
            static_cast<double>(last_pass_us_.load()) / 1e6};
}

}  // namespace ambient::controlplane
