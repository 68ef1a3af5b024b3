#include "runner/event_pipeline.hpp"

#include "runner/agui/events.hpp"

namespace ambient::runner {
namespace {

struct StreamKind {
    const char* content;  // the delta-carrying type
    const char* end;      // the type that closes it
    const char* id_key;
};
constexpr StreamKind kStreams[] = {
    {"TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END", "messageId"},
    {"TOOL_CALL_ARGS", "TOOL_CALL_END", "toolCallId"},
    {"REASONING_MESSAGE_CONTENT", "REASONING_MESSAGE_END", "messageId"},
};

}  // namespace

EventPipeline::EventPipeline(std::string thread_id, const Redactor& redactor, agui::EventHub& hub,
                             WriteBack* write_back)
    : thread_id_(std::move(thread_id)), redactor_(redactor), hub_(hub), write_back_(write_back) {}

void EventPipeline::begin_run(std::string run_id, std::int64_t user_seq) {
    std::lock_guard lock(mutex_);
    run_id_ = std::move(run_id);
    user_seq_ = user_seq;
    streams_.clear();
}

void EventPipeline::redact_strings(nlohmann::json& value) const {
    // In place: a string with nothing to redact is not copied; keys are redacted too.
    redactor_.redact_json(value);
}

void EventPipeline::emit(nlohmann::json event) {
    if (!event.is_object()) return;
    std::lock_guard lock(mutex_);
    const std::string type = event.value("type", "");
    if (type == "RUN_FINISHED" || type == "RUN_ERROR") flush_streams();
    for (const auto& kind : kStreams) {
        const std::string id = event.value(kind.id_key, "");
        if (type == kind.content) {
            auto& stream = streams_[id];
            if (!stream.redactor) stream = {kind.content, kind.id_key, std::make_unique<StreamRedactor>(redactor_)};
            auto delta = stream.redactor->push(event.value("delta", ""));
            if (delta.empty()) return;  // held back: it may be the start of a secret
            event["delta"] = std::move(delta);
            for (auto& [key, v] : event.items())
                if (key != "delta") redact_strings(v);
            publish(std::move(event));
            return;
        }
        if (type == kind.end) {
            auto it = streams_.find(id);
            if (it != streams_.end()) {
                auto rest = it->second.redactor->finish();
                if (!rest.empty()) publish({{"type", kind.content}, {kind.id_key, id}, {"delta", std::move(rest)}});
                streams_.erase(it);
            }
        }
    }
    redact_strings(event);
    publish(std::move(event));
}

void EventPipeline::flush_streams() {
    for (auto& [id, stream] : streams_) {
        auto rest = stream.redactor->finish();
        if (!rest.empty()) publish({{"type", stream.content_type}, {stream.id_key, id}, {"delta", std::move(rest)}});
    }
    streams_.clear();
}

void EventPipeline::publish(nlohmann::json event) {
    if (!event.contains("threadId")) event["threadId"] = thread_id_;
    if (!event.contains("runId") && !run_id_.empty()) event["runId"] = run_id_;
    if (!event.contains("timestamp")) event["timestamp"] = agui::now_ms();
    hub_.publish(event);
    if (write_back_ != nullptr) write_back_->on_event(event, user_seq_);
}

}  // namespace ambient::runner
