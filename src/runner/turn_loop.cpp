#include "runner/turn_loop.hpp"

#include <spdlog/spdlog.h>

#include <random>

#include "common/disk_full.hpp"
#include "runner/agui/events.hpp"
#include "runner/credentials.hpp"
#include "runner/git_credentials.hpp"
#include "runner/repositories.hpp"

namespace ambient::runner {
namespace {

constexpr auto kInitialBackoff = std::chrono::milliseconds(250);
constexpr auto kMaxBackoff = std::chrono::milliseconds(30000);
constexpr std::size_t kRememberedRunIds = 256;
constexpr const char* kAbandonedTurn =
    "the runner stopped during this turn (it was killed, or its machine failed) and the turn did not finish; "
    "it is not run again because part of it may already have happened: send the message again to retry";

// The text of a user message: upstream's clients send either the text itself or an AG-UI
// RunAgentInput (JSON) whose last user message holds it.
std::string prompt_of(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object()) return payload;
    auto content_text = [](const nlohmann::json& content) -> std::optional<std::string> {
        if (content.is_string()) return content.get<std::string>();
        if (content.is_array()) {
            std::string text;
            for (const auto& part : content)
                if (part.is_object() && part.value("type", "") == "text") text += part.value("text", "");
            return text;
        }
        return std::nullopt;
    };
    if (auto m = j.find("messages"); m != j.end() && m->is_array()) {
        for (auto it = m->rbegin(); it != m->rend(); ++it) {
            if (it->is_object() && it->value("role", "") == "user" && it->contains("content")) {
                if (auto text = content_text((*it)["content"])) return *text;
            }
        }
    }
    if (auto c = j.find("content"); c != j.end()) {
        if (auto text = content_text(*c)) return *text;
    }
    return payload;
}

}  // namespace

TurnLoop::TurnLoop(const RunnerConfig& config, const ApiClient& api, Agent& agent, Redactor& redactor,
                   agui::EventHub& hub)
    : config_(config),
      api_(api),
      agent_(agent),
      redactor_(redactor),
      hub_(hub),
      write_back_(api),
      pipeline_(config.session_id, redactor, hub, &write_back_) {}

TurnLoop::~TurnLoop() {
    stop();
    if (follower_.joinable()) follower_.join();
}

void TurnLoop::stop() {
    if (stopping_.exchange(true)) return;
    agent_.interrupt();
    wake_.notify_all();
}

void TurnLoop::interrupt() {
    agent_.interrupt();
}

std::int64_t TurnLoop::last_finished_seq() const {
    std::lock_guard lock(mutex_);
    return last_finished_;
}

void TurnLoop::load_history() {
    // The API server may not be reachable yet (the runner often starts first): retry.
    auto delay = kInitialBackoff;
    std::vector<SessionMessage> messages;
    while (!stopping_) {
        try {
            messages = api_.messages_after(0);
            break;
        } catch (const std::exception& e) {
            spdlog::warn("cannot read the session's messages yet: {}", e.what());
        }
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, delay, [&] { return stopping_.load(); });
        delay = std::min(delay * 2, kMaxBackoff);
    }
    std::int64_t finished = 0;
    bool any_user = false;
    bool any_lifecycle = false;
    std::map<std::int64_t, std::string> started;  // user seq → run id, from run_started
    bool initial_prompt_finished = false;
    for (const auto& m : messages) {
        if (m.event_type == "lifecycle") {
            any_lifecycle = true;
            finished = std::max(finished, finished_user_seq(m.payload));
            if (auto run = started_run(m.payload)) started[run->user_seq] = run->run_id;
            initial_prompt_finished = initial_prompt_finished || finished_run_seq(m.payload) == 0;
        }
        any_user = any_user || m.event_type == "user";
    }
    std::lock_guard lock(mutex_);
    last_finished_ = finished;
    highest_queued_ = finished;
    if (!any_user && !any_lifecycle && !config_.initial_prompt.empty()) {
        queue_.push_back({0, config_.initial_prompt, std::nullopt});
    } else if (auto s = started.find(0); s != started.end() && !initial_prompt_finished) {
        // An earlier runner started the initial prompt's turn and died in it: end it with a
        // reason, like any interrupted turn, rather than leave it silent or run it twice.
        queue_.push_back({0, config_.initial_prompt, s->second});
    }
    for (const auto& m : messages) {
        cursor_ = std::max(cursor_, m.seq);
        if (m.event_type == "user" && m.seq > highest_queued_) {
            Turn turn{m.seq, prompt_of(m.payload), std::nullopt};
            if (auto s = started.find(m.seq); s != started.end()) turn.abandoned_run_id = s->second;
            queue_.push_back(std::move(turn));
            highest_queued_ = m.seq;
        }
    }
    if (finished > 0) spdlog::info("turns up to user message {} already finished: not run again", finished);
}

void TurnLoop::enqueue(const SessionMessage& message) {
    {
        std::lock_guard lock(mutex_);
        cursor_ = std::max(cursor_, message.seq);
        if (message.event_type != "user" || message.seq <= highest_queued_) return;
        queue_.push_back({message.seq, prompt_of(message.payload), std::nullopt});
        highest_queued_ = message.seq;
    }
    wake_.notify_all();
}

std::int64_t TurnLoop::resume_point() const {
    std::lock_guard lock(mutex_);
    return cursor_;
}

void TurnLoop::follow() {
    std::mt19937_64 random{std::random_device{}()};
    auto backoff = kInitialBackoff;
    while (!stopping_) {
        std::int64_t from;
        {
            std::lock_guard lock(mutex_);
            from = cursor_;
        }
        try {
            const auto end = api_.follow_messages(
                from,
                [&](const SessionMessage& m) {
                    enqueue(m);
                    return !stopping_.load();
                },
                stopping_, config_.message_stream_idle_timeout);
            backoff = kInitialBackoff;  // it opened: the next drop starts the backoff afresh
            if (!stopping_ && end != ApiClient::StreamEnd::Stopped) {
                spdlog::info(
                    "the session's message stream ended ({}); resuming after message {}",
                    end == ApiClient::StreamEnd::ErrorEvent ? "error event from the server" : "closed by the server",
                    resume_point());
            }
        } catch (const client::StreamStalled& e) {
            // Opened (or at least connected) and then went silent: a half-open connection, a
            // stuck server. Resumed at once, like a stream the server closed.
            backoff = kInitialBackoff;
            if (!stopping_) {
                spdlog::info("the session's message stream stalled ({}); resuming after message {}", e.what(),
                             resume_point());
            }
        } catch (const std::exception& e) {
            spdlog::warn("cannot follow the session's messages: {}", e.what());
        }
        if (stopping_) break;
        // Full jitter: a crowd of runners reconnecting after a server restart spreads out.
        std::uniform_int_distribution<long long> jitter(backoff.count() / 2, backoff.count());
        const auto wait = std::chrono::milliseconds(jitter(random));
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, wait, [&] { return stopping_.load(); });
        backoff = std::min(backoff * 2, kMaxBackoff);
    }
}

std::optional<TurnLoop::Turn> TurnLoop::next_turn() {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return std::nullopt;
    auto turn = std::move(queue_.front());
    queue_.pop_front();
    return turn;
}

std::string TurnLoop::run_id_for(std::int64_t user_seq, const std::string& requested) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = run_ids_.try_emplace(user_seq, requested.empty() ? agui::new_id() : requested);
    while (run_ids_.size() > kRememberedRunIds)
        run_ids_.erase(run_ids_.begin());
    return it->second;
}

std::string TurnLoop::take_run_id(std::int64_t user_seq) {
    if (user_seq == 0) return agui::new_id();
    return run_id_for(user_seq, {});
}

std::filesystem::path TurnLoop::prepare_workspace(const Environment& git_environment) {
    if (cwd_) return *cwd_;
    // RUNNER_REPOS, else the session's repo_url and repos; read once, before the first turn.
    const auto session = config_.repos_override ? nlohmann::json::object() : api_.session();
    const auto repos = repositories_to_clone(config_, session);
    RepositoryOptions options;
    options.workspace = config_.workspace_path;
    options.session_id = config_.session_id;
    options.git_environment = git_environment;
    cwd_ = prepare_repositories(repos, options).working_directory;
    return *cwd_;
}

void TurnLoop::fail_abandoned_turn(const Turn& turn) {
    const auto& run_id = *turn.abandoned_run_id;
    pipeline_.begin_run(run_id, turn.user_seq);
    pipeline_.emit(agui::run_error(config_.session_id, run_id, kAbandonedTurn));
    spdlog::warn(
        "turn for user message {} was started by an earlier runner that stopped before finishing it: "
        "ended in error, not run again",
        turn.user_seq);
    std::lock_guard lock(mutex_);
    last_finished_ = std::max(last_finished_, turn.user_seq);
}

void TurnLoop::run_turn(const Turn& turn) {
    if (turn.abandoned_run_id) return fail_abandoned_turn(turn);
    const auto run_id = take_run_id(turn.user_seq);
    pipeline_.begin_run(run_id, turn.user_seq);
    pipeline_.emit(agui::run_started(config_.session_id, run_id));
    spdlog::info("turn for user message {} started (run {})", turn.user_seq, run_id);

    TurnOutcome outcome;
    try {
        const auto credentials = fetch_credentials(api_, config_.credential_ids);
        std::vector<std::string> secrets;
        for (const auto& c : credentials)
            secrets.push_back(c.token);
        redactor_.add_secrets(secrets);

        TurnInput input;
        input.thread_id = config_.session_id;
        input.run_id = run_id;
        input.prompt = turn.prompt;
        input.user_seq = turn.user_seq;
        input.environment = credential_environment(credentials);
        input.credentials_fingerprint = credentials_fingerprint(credentials);
        // The git credential helper's file lives for this turn only.
        std::vector<GitCredential> for_git;
        for (const auto& c : credentials)
            for_git.push_back({c.provider, c.credential_id, c.token});
        GitCredentials git(for_git, {.private_dir = config_.workspace_path / ".ambient"});
        const auto git_environment = git.environment();
        input.environment.insert(input.environment.end(), git_environment.begin(), git_environment.end());
        input.cwd = prepare_workspace(git_environment);
        if (stopping_) {
            outcome = TurnOutcome::failure("the runner is stopping");
        } else {
            outcome = agent_.run_turn(input, pipeline_);
        }
    } catch (const CredentialFetchError& e) {
        outcome = TurnOutcome::failure(e.what());
    } catch (const std::exception& e) {
        outcome = TurnOutcome::failure(e.what());
    }
    if (outcome.ok) {
        pipeline_.emit(agui::run_finished(config_.session_id, run_id, outcome.result));
    } else {
        if (stopping_ && outcome.error == "interrupted") outcome.error = "interrupted: the runner is stopping";
        // Git, the agent and file writes each report a full disk in their own words. An
        // interruption is what it says, however full the disk.
        if (!outcome.error.starts_with("interrupted"))
            outcome.error = explain_if_disk_full(config_.workspace_path, std::move(outcome.error));
        pipeline_.emit(agui::run_error(config_.session_id, run_id, outcome.error));
        spdlog::warn("turn for user message {} failed: {}", turn.user_seq, redactor_.redact(outcome.error));
    }
    {
        std::lock_guard lock(mutex_);
        last_finished_ = std::max(last_finished_, turn.user_seq);
    }
    spdlog::info("turn for user message {} ended ({})", turn.user_seq, outcome.ok ? "finished" : "error");
}

void TurnLoop::run() {
    load_history();
    follower_ = std::thread([this] { follow(); });
    while (auto turn = next_turn()) {
        run_turn(*turn);
        write_back_.flush(std::chrono::seconds(10));
    }
    write_back_.flush(std::chrono::seconds(3));
    if (follower_.joinable()) follower_.join();
}

}  // namespace ambient::runner
