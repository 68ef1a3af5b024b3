#include "runner/write_back.hpp"

#include <spdlog/spdlog.h>

namespace ambient::runner {
namespace {

constexpr std::size_t kToolResultChars = 2000;
// A message the API server takes is at most 1 MiB of body, JSON-escaped: an assistant text or
// tool input past this many bytes is cut (and says so) rather than refused and lost, and the
// runner never holds more than this per open message.
constexpr std::size_t kMaxPayloadBytes = 256 * 1024;
constexpr auto kInitialRetry = std::chrono::milliseconds(500);
constexpr auto kMaxRetry = std::chrono::milliseconds(15000);

std::string dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Cuts to `max` characters (not bytes: a UTF-8 character is never split).
std::string cut_chars(const std::string& text, std::size_t max) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (chars == max) return text.substr(0, i);
            ++chars;
        }
    }
    return text;
}

// Appends `delta` to `text`, keeping at most kMaxPayloadBytes (whole UTF-8 characters) and
// counting what was left out.
void append_bounded(std::string& text, std::size_t& dropped, const std::string& delta) {
    if (text.size() + delta.size() <= kMaxPayloadBytes && dropped == 0) {
        text += delta;
        return;
    }
    std::size_t room = text.size() < kMaxPayloadBytes && dropped == 0 ? kMaxPayloadBytes - text.size() : 0;
    while (room > 0 && room < delta.size() && (static_cast<unsigned char>(delta[room]) & 0xC0) == 0x80)
        --room;
    text.append(delta, 0, room);
    dropped += delta.size() - room;
}

std::string with_cut_note(const std::string& text, std::size_t dropped) {
    return dropped == 0 ? text : text + "\n[cut: " + std::to_string(dropped) + " more bytes]";
}

}  // namespace

WriteBack::WriteBack(const ApiClient& api) : api_(api), thread_([this] { work(); }) {}

WriteBack::~WriteBack() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void WriteBack::on_event(const nlohmann::json& event, std::int64_t user_seq) {
    const auto type = event.value("type", "");
    if (type == "TEXT_MESSAGE_START") {
        texts_[event.value("messageId", "")];
    } else if (type == "TEXT_MESSAGE_CONTENT") {
        auto& open = texts_[event.value("messageId", "")];
        append_bounded(open.text, open.dropped, event.value("delta", ""));
    } else if (type == "TEXT_MESSAGE_END") {
        const auto id = event.value("messageId", "");
        auto it = texts_.find(id);
        if (it != texts_.end()) {
            if (!it->second.text.empty()) enqueue("assistant", with_cut_note(it->second.text, it->second.dropped));
            texts_.erase(it);
        }
    } else if (type == "TOOL_CALL_START") {
        tools_[event.value("toolCallId", "")] = {event.value("toolCallName", ""), {}};
    } else if (type == "TOOL_CALL_ARGS") {
        auto& args = tools_[event.value("toolCallId", "")].second;
        append_bounded(args.text, args.dropped, event.value("delta", ""));
    } else if (type == "TOOL_CALL_END") {
        const auto id = event.value("toolCallId", "");
        auto it = tools_.find(id);
        if (it == tools_.end()) return;
        const auto& args = it->second.second;
        auto input = args.dropped == 0 ? nlohmann::json::parse(args.text, nullptr, false) : nlohmann::json();
        if (input.is_discarded() || args.dropped != 0) input = with_cut_note(args.text, args.dropped);
        enqueue("tool_use", dump({{"tool", it->second.first}, {"tool_call_id", id}, {"input", input}}));
        tools_.erase(it);
    } else if (type == "TOOL_CALL_RESULT") {
        enqueue("tool_result", dump({{"tool_call_id", event.value("toolCallId", "")},
                                     {"result", cut_chars(event.value("content", ""), kToolResultChars)}}));
    } else if (type == "RUN_STARTED") {
        enqueue("lifecycle",
                dump({{"event", "run_started"}, {"run_id", event.value("runId", "")}, {"user_seq", user_seq}}));
    } else if (type == "RUN_FINISHED") {
        nlohmann::json payload = {{"event", "run_finished"},
                                  {"status", "completed"},
                                  {"run_id", event.value("runId", "")},
                                  {"user_seq", user_seq}};
        if (auto r = event.find("result"); r != event.end() && r->is_object()) {
            if (r->contains("usage")) payload["usage"] = (*r)["usage"];
            if (r->contains("total_cost_usd")) payload["total_cost_usd"] = (*r)["total_cost_usd"];
        }
        enqueue("lifecycle", dump(payload));
        texts_.clear();
        tools_.clear();
    } else if (type == "RUN_ERROR") {
        enqueue("error", dump({{"run_id", event.value("runId", "")}, {"message", event.value("message", "")}}));
        enqueue("lifecycle", dump({{"event", "run_finished"},
                                   {"status", "error"},
                                   {"run_id", event.value("runId", "")},
                                   {"user_seq", user_seq},
                                   {"message", event.value("message", "")}}));
        texts_.clear();
        tools_.clear();
    }
}

void WriteBack::enqueue(std::string event_type, std::string payload) {
    {
        std::lock_guard lock(mutex_);
        queue_.emplace_back(std::move(event_type), std::move(payload));
    }
    wake_.notify_one();
}

void WriteBack::work() {
    std::unique_lock lock(mutex_);
    auto backoff = kInitialRetry;
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        const auto [type, payload] = queue_.front();
        busy_ = true;
        lock.unlock();
        bool done = true;
        bool retry = false;
        try {
            api_.push_message(type, payload);
        } catch (const ApiCallError& e) {
            // A refused token is rewritten by the control plane within minutes, and a server
            // error passes: keep the message. Any other refusal will not change: drop it.
            retry = e.status() == 401 || e.status() >= 500;
            done = false;
            spdlog::error("could not write a {} message to the session: {}", type, e.what());
        } catch (const std::exception& e) {
            retry = true;
            done = false;
            spdlog::error("could not write a {} message to the session: {}", type, e.what());
        }
        lock.lock();
        busy_ = false;
        if (retry && !stopping_) {
            // In order: nothing behind it is written first.
            wake_.wait_for(lock, backoff, [&] { return stopping_; });
            backoff = std::min(backoff * 2, kMaxRetry);
            continue;
        }
        backoff = kInitialRetry;
        queue_.pop_front();
        ++(done ? written_ : failed_);
        if (queue_.empty()) drained_.notify_all();
    }
}

bool WriteBack::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return drained_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

std::uint64_t WriteBack::written() const {
    std::lock_guard lock(mutex_);
    return written_;
}

std::uint64_t WriteBack::failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
}

std::int64_t finished_user_seq(const std::string& lifecycle_payload) {
    const auto j = nlohmann::json::parse(lifecycle_payload, nullptr, false);
    if (!j.is_object() || j.value("event", "") != "run_finished") return 0;
    const auto seq = j.find("user_seq");
    return seq != j.end() && seq->is_number_integer() ? seq->get<std::int64_t>() : 0;
}

std::optional<std::int64_t> finished_run_seq(const std::string& lifecycle_payload) {
    const auto j = nlohmann::json::parse(lifecycle_payload, nullptr, false);
    if (!j.is_object() || j.value("event", "") != "run_finished") return std::nullopt;
    const auto seq = j.find("user_seq");
    if (seq == j.end() || !seq->is_number_integer()) return std::nullopt;
    return seq->get<std::int64_t>();
}

std::optional<StartedRun> started_run(const std::string& lifecycle_payload) {
    const auto j = nlohmann::json::parse(lifecycle_payload, nullptr, false);
    if (!j.is_object() || j.value("event", "") != "run_started") return std::nullopt;
    const auto seq = j.find("user_seq");
    const auto run = j.find("run_id");
    // user_seq 0 is the session's initial prompt, which has no user message of its own.
    if (seq == j.end() || !seq->is_number_integer() || seq->get<std::int64_t>() < 0) return std::nullopt;
    if (run == j.end() || !run->is_string()) return std::nullopt;
    return StartedRun{seq->get<std::int64_t>(), run->get<std::string>()};
}

}  // namespace ambient::runner
