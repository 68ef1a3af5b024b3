#pragma once
// Write-back: the conversation as session messages, so the record outlives the runner.
// From the (already redacted) AG-UI events of a run it writes, in order, with the runner
// token: `assistant` (the text, at each TEXT_MESSAGE_END), `tool_use` ({tool, tool_call_id,
// input}, at TOOL_CALL_END), `tool_result` ({tool_call_id, result} cut to 2,000
// characters), `lifecycle` (run started; run finished with status, usage, cost and the
// turn's user `seq`) and `error` (RUN_ERROR's message).
//
// Writes happen on a thread of their own so that a slow API server never stalls the agent;
// flush() waits for them (end of a turn, shutdown). A write refused for its token (401) or
// failing on the server's side is kept and retried, in order, with backoff, until it is
// written or the runner stops; any other refusal is logged and dropped.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "runner/api_client.hpp"

namespace ambient::runner {

class WriteBack {
public:
    explicit WriteBack(const ApiClient& api);
    ~WriteBack();
    WriteBack(const WriteBack&) = delete;
    WriteBack& operator=(const WriteBack&) = delete;

    // One event of the run for the user message `user_seq` (0: not from the session).
    void on_event(const nlohmann::json& event, std::int64_t user_seq);

    // Waits until every queued message is written, up to `timeout`. False when it gave up.
    bool flush(std::chrono::milliseconds timeout);

    // Messages written so far and given up on (for tests and /metrics).
    std::uint64_t written() const;
    std::uint64_t failed() const;

private:
    void enqueue(std::string event_type, std::string payload);
    void work();

    const ApiClient& api_;
    // Per-run state, touched only by on_event's caller.
    struct Bounded {
        std::string text;         // at most 256 KiB of it
        std::size_t dropped = 0;  // bytes past that, left out
    };
    std::map<std::string, Bounded> texts_;                          // messageId → text so far
    std::map<std::string, std::pair<std::string, Bounded>> tools_;  // toolCallId → (name, args)

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable drained_;
    std::deque<std::pair<std::string, std::string>> queue_;
    bool busy_ = false;
    bool stopping_ = false;
    std::uint64_t written_ = 0;
    std::uint64_t failed_ = 0;
    std::thread thread_;
};

// The lifecycle payload marking a finished turn names the user message's seq; at start a
// runner skips user messages at or below the highest such seq.
std::int64_t finished_user_seq(const std::string& lifecycle_payload);
// The user seq a run_finished payload names (0: the initial prompt); nullopt for any other.
std::optional<std::int64_t> finished_run_seq(const std::string& lifecycle_payload);

// The turn a run_started lifecycle payload names (user_seq 0: the initial prompt); nullopt for
// any other payload.
struct StartedRun {
    std::int64_t user_seq = 0;
    std::string run_id;
};
std::optional<StartedRun> started_run(const std::string& lifecycle_payload);

}  // namespace ambient::runner
