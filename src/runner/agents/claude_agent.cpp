#include "runner/agents/claude_agent.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <fstream>
#include <mutex>
#include <system_error>

#include "runner/agents/agent_environment.hpp"
#include "runner/agents/claude_stream_mapper.hpp"
#include "runner/agui/events.hpp"
#include "runner/config.hpp"

namespace ambient::runner {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Permissions for working unattended. `--dangerously-skip-permissions` (bypassPermissions) is
// refused when the CLI runs as root unless IS_SANDBOX=1, and claiming a sandbox we may not be
// in (a runner started by hand, CI as root) is not ours to do. So, as upstream's runner does:
// acceptEdits (file edits need no prompt) and an explicit list of tools that run without
// asking. In `--print` mode a tool outside the list is denied (the result line lists it under
// permission_denials, and the model is told "Claude requested permissions to use …"), never
// waits for an answer nobody can give. The same rules hold as root and in the unprivileged
// sandbox.
constexpr const char* kPermissionMode = "acceptEdits";
constexpr const char* kAllowedTools = "Read,Write,Bash,Glob,Grep,Edit,MultiEdit,WebSearch";

// Besides what agent_environment() keeps from every agent (the runner's token, credentials
// that must come only with a turn): CLAUDECODE marks a process started by Claude Code (a
// runner run from a Claude Code shell), which would make the CLI take itself for a nested
// session; PWD and OLDPWD would name the runner's directory, not the CLI's.
const std::vector<std::string> kNotForTheCli = {"CLAUDECODE", "PWD", "OLDPWD"};

constexpr std::size_t kStderrTailLines = 20;
constexpr std::size_t kMaxLineBytes = 64 * 1024 * 1024;  // a Read of a large file is one line
constexpr auto kReadSlice = 100ms;                       // how often a turn looks at interrupt()
constexpr auto kGracefulStop = 3s;

// A session id goes on argv after --resume: it must look like one (the workspace is the
// agent's to write, so the file is not trusted).
bool plausible_session_id(const std::string& id) {
    if (id.empty() || id.size() > 128 || id.front() == '-') return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::filesystem::path home_dir(const std::filesystem::path& workspace) {
    return workspace / ".home";
}
std::filesystem::path tmp_dir(const std::filesystem::path& workspace) {
    return workspace / ".tmp";
}

void make_private_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    ::chmod(dir.c_str(), 0700);
}

class ClaudeAgent final : public Agent {
public:
    explicit ClaudeAgent(ClaudeSettings settings)
        : settings_(std::move(settings)), mapper_([] { return agui::new_id(); }) {
        std::ifstream in(claude_session_id_file(settings_.workspace));
        std::string id;
        if (in && std::getline(in, id) && plausible_session_id(id)) session_id_ = id;
    }
    ~ClaudeAgent() override { shutdown(); }

    TurnOutcome run_turn(const TurnInput& input, agui::EventSink& sink) override {
        {
            std::lock_guard lock(mutex_);
            turn_active_ = true;
            interrupted_ = false;
        }
        struct TurnEnd {
            ClaudeAgent* self;
            ~TurnEnd() {
                std::lock_guard lock(self->mutex_);
                self->turn_active_ = false;
            }
        } turn_end{this};

        const auto cwd = input.cwd.empty() ? settings_.workspace : input.cwd;
        if (process_ && (input.credentials_fingerprint != fingerprint_ || cwd != cwd_ || process_->wait(0ms)))
            stop_process(true);

        // A kept session id the CLI no longer knows (its HOME was wiped) fails at once with
        // "No conversation found": start a new conversation rather than fail every turn.
        for (int attempt = 0;; ++attempt) {
            if (!process_) {
                if (auto failed = start(input, cwd)) return *failed;
            }
            auto outcome = converse(input, sink);
            const bool stale_resume = resumed_ && !outcome.ok && outcome.result.value("num_turns", -1) == 0 &&
                                      outcome.error.find("No conversation found") != std::string::npos;
            if (!stale_resume || attempt > 0) return outcome;
            forget_session();
            stop_process(false);
        }
    }

    void interrupt() override {
        std::lock_guard lock(mutex_);
        if (!turn_active_) return;
        interrupted_ = true;
        // The turn's thread sees the flag within kReadSlice and kills the group; SIGINT first
        // lets the CLI stop its tools and save its transcript.
        if (pid_ > 0) ::kill(-pid_, SIGINT);
    }

    void shutdown() override {
        if (process_) stop_process(true);
    }

private:
    std::optional<TurnOutcome> start(const TurnInput& input, const std::filesystem::path& cwd) {
        make_private_dir(home_dir(settings_.workspace));
        make_private_dir(tmp_dir(settings_.workspace));
        make_private_dir(claude_session_id_file(settings_.workspace).parent_path());
        std::error_code ec;
        std::filesystem::create_directories(cwd, ec);
        auto options = claude_spawn_options(settings_, input, session_id_);
        options.cwd = cwd;
        try {
            process_ = std::make_unique<ChildProcess>(options);
        } catch (const SpawnError& e) {
            return TurnOutcome{false, std::string("cannot start the Claude CLI: ") + e.what(),
                               nlohmann::json::object()};
        }
        {
            std::lock_guard lock(mutex_);
            pid_ = process_->pid();
        }
        resumed_ = !session_id_.empty();
        fingerprint_ = input.credentials_fingerprint;
        cwd_ = cwd;
        stdout_buffer_.clear();
        stderr_lines_.clear();
        stderr_partial_.clear();
        return std::nullopt;
    }

    // Kills (or, when `graceful`, first asks by closing stdin) and reaps the process.
    void stop_process(bool graceful) {
        if (!process_) return;
        {
            std::lock_guard lock(mutex_);
            pid_ = -1;  // never signal a pid that may be reaped and reused
        }
        process_->close_stdin();
        if (!graceful || !process_->wait(kGracefulStop)) process_->terminate(2s);
        process_.reset();
        stdout_buffer_.clear();
    }

    // Ends the turn without a `result` line: closes what the mapper left open, kills the
    // process (the next turn resumes the conversation in a new one).
    TurnOutcome abandon(agui::EventSink& sink, std::string error) {
        for (auto& e : mapper_.finish())
            sink.emit(std::move(e));
        stop_process(false);
        return TurnOutcome{false, std::move(error), nlohmann::json::object()};
    }

    TurnOutcome converse(const TurnInput& input, agui::EventSink& sink) {
        const nlohmann::json user = {{"type", "user"}, {"message", {{"role", "user"}, {"content", input.prompt}}}};
        if (!process_->write_stdin(user.dump() + "\n")) return ended(sink, "closed its input", 1s);
        auto last_output = Clock::now();
        bool stdout_ended = false;
        for (;;) {
            if (interrupted_) return abandon(sink, "interrupted");
            for (auto newline = stdout_buffer_.find('\n'); newline != std::string::npos;
                 newline = stdout_buffer_.find('\n')) {
                std::string line = stdout_buffer_.substr(0, newline);
                stdout_buffer_.erase(0, newline + 1);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                if (line.find_first_not_of(" \t") == std::string::npos) continue;
                auto mapped = mapper_.map(line);
                for (auto& e : mapped.events)
                    sink.emit(std::move(e));
                if (mapped.session_id) remember_session(*mapped.session_id);
                if (mapped.malformed) return abandon(sink, mapped.outcome->error);
                if (mapped.outcome) return std::move(*mapped.outcome);
            }
            // Its output ended without a result: the process is ending (whatever it left
            // running may still hold stderr open).
            if (stdout_ended) return ended(sink, "exited", 5s);
            const auto quiet = Clock::now() - last_output;
            if (quiet >= settings_.idle_timeout) {
                return abandon(
                    sink, "the Claude CLI sent nothing for " +
                              std::to_string(
                                  std::chrono::duration_cast<std::chrono::seconds>(settings_.idle_timeout).count()) +
                              " s (TURN_IDLE_TIMEOUT)");
            }
            const auto wait = std::min<Clock::duration>(kReadSlice, settings_.idle_timeout - quiet);
            auto chunk = process_->read(std::chrono::ceil<std::chrono::milliseconds>(wait));
            if (!chunk) continue;
            last_output = Clock::now();
            if (chunk->eof) {
                if (chunk->stream == ChildProcess::Stream::Stdout) {
                    stdout_ended = true;
                    // A last line without its newline is still a line.
                    if (!stdout_buffer_.empty() && stdout_buffer_.back() != '\n') stdout_buffer_ += '\n';
                }
                continue;
            }
            if (chunk->stream == ChildProcess::Stream::Stderr) {
                keep_stderr(chunk->data);
                continue;
            }
            stdout_buffer_ += chunk->data;
            if (stdout_buffer_.size() > kMaxLineBytes && stdout_buffer_.find('\n') == std::string::npos)
                return abandon(sink, "malformed output from the Claude CLI: a line longer than 64 MiB");
        }
    }

    // The process ended the turn without a result (it exited, or stopped reading): the
    // error names its exit code, if it exits within `wait`, and its last stderr lines.
    TurnOutcome ended(agui::EventSink& sink, const std::string& what, std::chrono::milliseconds wait) {
        process_->close_stdin();
        const auto code = process_->wait(wait);
        for (auto chunk = process_->read(0ms); chunk && !chunk->eof; chunk = process_->read(0ms)) {
            if (chunk->stream == ChildProcess::Stream::Stderr) keep_stderr(chunk->data);
        }
        if (!stderr_partial_.empty()) keep_stderr("\n");
        std::string error = "the Claude CLI " + what;
        if (code && *code > 128)
            error += " on signal " + std::to_string(*code - 128);
        else if (code)
            error += " with code " + std::to_string(*code);
        error += " before the turn ended";
        if (!stderr_lines_.empty()) {
            error += ":";
            for (const auto& l : stderr_lines_)
                error += "\n" + l;
        }
        return abandon(sink, std::move(error));
    }

    void keep_stderr(const std::string& data) {
        stderr_partial_ += data;
        for (auto newline = stderr_partial_.find('\n'); newline != std::string::npos;
             newline = stderr_partial_.find('\n')) {
            auto line = stderr_partial_.substr(0, std::min<std::size_t>(newline, 1000));
            stderr_partial_.erase(0, newline + 1);
            if (line.empty()) continue;
            stderr_lines_.push_back(std::move(line));
            if (stderr_lines_.size() > kStderrTailLines) stderr_lines_.pop_front();
        }
        if (stderr_partial_.size() > 4096) stderr_partial_.erase(0, stderr_partial_.size() - 4096);
    }

    void remember_session(const std::string& id) {
        if (id == session_id_ || !plausible_session_id(id)) return;
        session_id_ = id;
        const auto file = claude_session_id_file(settings_.workspace);
        const auto temp = file.string() + ".tmp";
        {
            std::ofstream out(temp, std::ios::trunc);
            out << id << "\n";
            if (!out) return;  // the next restart starts a new conversation; not worth a failed turn
        }
        std::error_code ec;
        std::filesystem::rename(temp, file, ec);
    }

    void forget_session() {
        session_id_.clear();
        std::error_code ec;
        std::filesystem::remove(claude_session_id_file(settings_.workspace), ec);
    }

    ClaudeSettings settings_;
    ClaudeStreamMapper mapper_;
    std::unique_ptr<ChildProcess> process_;
    std::string fingerprint_;  // of the credentials the process was started with
    std::filesystem::path cwd_;
    std::string session_id_;  // the CLI's, for --resume
    bool resumed_ = false;    // the process was started with --resume
    std::string stdout_buffer_;
    std::deque<std::string> stderr_lines_;
    std::string stderr_partial_;

    std::mutex mutex_;  // pid_ and turn_active_, shared with interrupt()
    pid_t pid_ = -1;
    bool turn_active_ = false;
    std::atomic<bool> interrupted_{false};
};

}  // namespace

ClaudeSettings claude_settings(const RunnerConfig& config) {
    ClaudeSettings s;
    s.cli = config.claude_cli;
    s.model = config.llm_model;
    s.workspace = config.workspace_path;
    s.idle_timeout = config.turn_idle_timeout;
    s.max_output_tokens = config.llm_max_tokens;
    return s;
}

std::filesystem::path claude_session_id_file(const std::filesystem::path& workspace) {
    return workspace / ".claude" / "session_id";
}

SpawnOptions claude_spawn_options(const ClaudeSettings& settings, const TurnInput& input,
                                  const std::string& resume_id) {
    SpawnOptions options;
    options.argv = {settings.cli.string(),
                    "--print",
                    "--input-format",
                    "stream-json",
                    "--output-format",
                    "stream-json",
                    "--verbose",  // stream-json output requires it
                    "--include-partial-messages",
                    "--permission-mode",
                    kPermissionMode,
                    "--allowedTools",
                    kAllowedTools};
    if (!settings.model.empty()) options.argv.insert(options.argv.end(), {"--model", settings.model});
    if (!resume_id.empty()) options.argv.insert(options.argv.end(), {"--resume", resume_id});

    // Without the first two the CLI calls home (telemetry, update checks); HOME and the
    // temporary directories keep its state (settings, transcripts for --resume) in the
    // workspace, private to this session.
    Environment fixed = {
        {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"},
        {"DISABLE_AUTOUPDATER", "1"},
        {"HOME", home_dir(settings.workspace).string()},
        {"TMPDIR", tmp_dir(settings.workspace).string()},
        {"CLAUDE_CODE_TMPDIR", tmp_dir(settings.workspace).string()},
    };
    if (settings.max_output_tokens)
        fixed.emplace_back("CLAUDE_CODE_MAX_OUTPUT_TOKENS", std::to_string(*settings.max_output_tokens));
    options.env = agent_environment(input.environment, fixed);
    std::erase_if(options.env, [](const std::string& entry) {
        const auto name = entry.substr(0, entry.find('='));
        return std::find(kNotForTheCli.begin(), kNotForTheCli.end(), name) != kNotForTheCli.end();
    });
    options.cwd = input.cwd.empty() ? settings.workspace : input.cwd;
    return options;
}

std::unique_ptr<Agent> make_claude_agent(ClaudeSettings settings) {
    return std::make_unique<ClaudeAgent>(std::move(settings));
}

std::unique_ptr<Agent> make_claude_agent(const RunnerConfig& config) {
    return make_claude_agent(claude_settings(config));
}

}  // namespace ambient::runner
