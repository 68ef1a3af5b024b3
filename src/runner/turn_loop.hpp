#pragma once
// The session's turns: each `user` message is one turn, run in order, one at a time.
//
// At start the loop reads the session's messages: user messages at or below the highest
// seq that a `lifecycle` run_finished message names were handled by an earlier runner and
// are skipped; the others are queued. A turn an earlier runner started (its run_started is
// stored) but never finished — the runner was killed, or its machine failed — is not run
// again: part of its answer may already be stored or acted on (a push, a file written), so
// it ends in RUN_ERROR with a reason and the user decides whether to send it again. The
// write-back keeps messages in order, so any stored part of an answer follows its
// run_started: a turn without one left nothing behind and simply runs. It then follows the message stream from there
// (Last-Event-ID), reconnecting after a drop with exponential backoff and jitter, reset
// after a successful connection. A stream silent for config.message_stream_idle_timeout
// (no message, no ping), or ended by the server (closed, or an `error` event), is resumed
// the same way, with one log line saying why.
//
// A turn: RUN_STARTED; the repositories are cloned (first turn only); the granted
// credentials are fetched and given to the agent for this turn only; the agent runs;
// RUN_FINISHED or RUN_ERROR (a credential that cannot be fetched, a failed clone, the
// agent's failure) ends it, and the lifecycle message names the user message's seq.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "runner/agents/agent.hpp"
#include "runner/api_client.hpp"
#include "runner/config.hpp"
#include "runner/event_pipeline.hpp"
#include "runner/redaction.hpp"
#include "runner/write_back.hpp"

namespace ambient::runner {

class TurnLoop {
public:
    TurnLoop(const RunnerConfig& config, const ApiClient& api, Agent& agent, Redactor& redactor, agui::EventHub& hub);
    ~TurnLoop();
    TurnLoop(const TurnLoop&) = delete;
    TurnLoop& operator=(const TurnLoop&) = delete;

    // Runs until stop() (the caller's thread runs the turns; a second thread follows the
    // message stream). Returns after the running turn ended and write-back was flushed.
    void run();

    // Ends run(): interrupts the running turn (it ends in RUN_ERROR), stops following.
    // Thread-safe, idempotent.
    void stop();

    // POST /interrupt: ends the running turn with RUN_ERROR; the loop goes on.
    void interrupt();

    // The run id the turn of user message `user_seq` uses: `requested` (an AG-UI client's
    // runId) when that turn has not started yet and one was given, else the one it has or
    // will have.
    std::string run_id_for(std::int64_t user_seq, const std::string& requested);

    // Seq of the last user message whose turn ended (for tests and health).
    std::int64_t last_finished_seq() const;

private:
    struct Turn {
        std::int64_t user_seq = 0;
        std::string prompt;
        // Set when an earlier runner started this turn and never finished it: the run id it
        // used, which the turn's RUN_ERROR names.
        std::optional<std::string> abandoned_run_id;
    };

    void load_history();
    void follow();
    std::int64_t resume_point() const;  // the last message seq seen
    void enqueue(const SessionMessage& message);
    std::optional<Turn> next_turn();
    void run_turn(const Turn& turn);
    void fail_abandoned_turn(const Turn& turn);
    // The agent's working directory: the repositories cloned (first call), else artifacts.
    std::filesystem::path prepare_workspace(const Environment& git_environment);
    std::string take_run_id(std::int64_t user_seq);

    const RunnerConfig& config_;
    const ApiClient& api_;
    Agent& agent_;
    Redactor& redactor_;
    agui::EventHub& hub_;
    WriteBack write_back_;
    EventPipeline pipeline_;

    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Turn> queue_;
    std::int64_t highest_queued_ = 0;  // user messages up to here are queued or done
    std::int64_t cursor_ = 0;          // the last message seq seen
    std::int64_t last_finished_ = 0;
    std::map<std::int64_t, std::string> run_ids_;  // user seq → run id (recent turns)
    std::optional<std::filesystem::path> cwd_;     // set once the workspace is ready
    std::thread follower_;
};

}  // namespace ambient::runner
