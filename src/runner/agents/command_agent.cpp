#include "runner/agents/command_agent.hpp"

#include <signal.h>

#include <atomic>
#include <deque>
#include <mutex>

#include "runner/agents/agent_environment.hpp"
#include "runner/agents/child_process.hpp"
#include "runner/agui/events.hpp"

namespace ambient::runner {
namespace {

constexpr std::size_t kStderrLines = 10;
constexpr auto kPoll = std::chrono::milliseconds(100);

// The last lines of a stream, for an error message.
class TailLines {
public:
    void add(std::string_view bytes) {
        partial_.append(bytes);
        for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n')) {
            push(partial_.substr(0, nl));
            partial_.erase(0, nl + 1);
        }
        if (partial_.size() > 4096) partial_.erase(0, partial_.size() - 4096);
    }
    std::string text() {
        if (!partial_.empty()) push(std::exchange(partial_, {}));
        std::string out;
        for (const auto& l : lines_)
            out += (out.empty() ? "" : "\n") + l;
        return out;
    }

private:
    void push(std::string line) {
        if (line.size() > 1000) line.resize(1000);
        lines_.push_back(std::move(line));
        if (lines_.size() > kStderrLines) lines_.pop_front();
    }
    std::deque<std::string> lines_;
    std::string partial_;
};

class CommandAgent final : public Agent {
public:
    CommandAgent(std::vector<std::string> argv, std::chrono::seconds idle_timeout)
        : argv_(std::move(argv)), idle_timeout_(idle_timeout) {}

    TurnOutcome run_turn(const TurnInput& input, agui::EventSink& sink) override {
        interrupted_ = false;
        std::unique_ptr<ChildProcess> child;
        try {
            child =
                std::make_unique<ChildProcess>(SpawnOptions{argv_, agent_environment(input.environment), input.cwd});
        } catch (const SpawnError& e) {
            return TurnOutcome::failure(e.what());
        }
        {
            std::lock_guard lock(mutex_);
            running_ = child.get();
        }
        // The prompt, then end of input. A program that does not read it gets EPIPE: fine.
        child->write_stdin(input.prompt);
        child->close_stdin();

        const auto message_id = agui::new_id();
        bool started = false;
        std::string pending;  // an incomplete UTF-8 character
        TailLines stderr_tail;
        auto last_output = std::chrono::steady_clock::now();
        bool idle = false;
        while (!child->output_ended()) {
            auto chunk = child->read(kPoll);
            if (interrupted_) break;
            if (!chunk) {
                if (std::chrono::steady_clock::now() - last_output > idle_timeout_) {
                    idle = true;
                    break;
                }
                continue;
            }
            last_output = std::chrono::steady_clock::now();
            if (chunk->eof) continue;
            if (chunk->stream == ChildProcess::Stream::Stderr) {
                stderr_tail.add(chunk->data);
                continue;
            }
            pending += chunk->data;
            const auto whole = utf8_complete_prefix(pending);
            if (whole == 0) continue;
            if (!started) {
                sink.emit(agui::text_message_start(message_id));
                started = true;
            }
            sink.emit(agui::text_message_content(message_id, pending.substr(0, whole)));
            pending.erase(0, whole);
        }
        if (started && !pending.empty()) sink.emit(agui::text_message_content(message_id, pending));
        if (started) sink.emit(agui::text_message_end(message_id));

        int code;
        if (interrupted_ || idle) {
            code = child->terminate(std::chrono::milliseconds(2000));
        } else {
            auto exited = child->wait(std::chrono::seconds(5));
            code = exited ? *exited : child->terminate(std::chrono::milliseconds(2000));
        }
        {
            std::lock_guard lock(mutex_);
            running_ = nullptr;
        }
        if (interrupted_) return TurnOutcome::failure("interrupted");
        if (idle) {
            return TurnOutcome::failure("the command produced no output for " + std::to_string(idle_timeout_.count()) +
                                        " s");
        }
        if (code != 0) {
            auto tail = stderr_tail.text();
            return TurnOutcome::failure("the command exited with status " + std::to_string(code) +
                                        (tail.empty() ? "" : ": " + tail));
        }
        return {true, {}, {{"is_error", false}, {"exit_code", 0}}};
    }

    void interrupt() override {
        std::lock_guard lock(mutex_);
        interrupted_ = true;
        if (running_ != nullptr) running_->signal_group(SIGTERM);
    }

private:
    std::vector<std::string> argv_;
    std::chrono::seconds idle_timeout_;
    std::mutex mutex_;
    ChildProcess* running_ = nullptr;
    std::atomic<bool> interrupted_{false};
};

}  // namespace

std::unique_ptr<Agent> make_command_agent(std::vector<std::string> argv, std::chrono::seconds idle_timeout) {
    return std::make_unique<CommandAgent>(std::move(argv), idle_timeout);
}

}  // namespace ambient::runner
