#pragma once
// The path every AG-UI event of a run takes: stamped (threadId, runId, timestamp), redacted
// (streamed deltas through a StreamRedactor per message, so a secret split across two
// deltas is still caught; every other string at once), published to the event hub for
// /events readers, and handed to the write-back. Thread-safe: an agent may emit from any
// thread, and the turn loop emits the run's start and end.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "runner/agui/event_hub.hpp"
#include "runner/agui/event_sink.hpp"
#include "runner/redaction.hpp"
#include "runner/write_back.hpp"

namespace ambient::runner {

class EventPipeline final : public agui::EventSink {
public:
    // `write_back` may be null (no session record, e.g. a benchmark).
    EventPipeline(std::string thread_id, const Redactor& redactor, agui::EventHub& hub, WriteBack* write_back);

    // The run whose events follow; RUN_STARTED is the caller's to emit.
    void begin_run(std::string run_id, std::int64_t user_seq);
    void emit(nlohmann::json event) override;

private:
    void publish(nlohmann::json event);
    void redact_strings(nlohmann::json& value) const;
    void flush_streams();

    const std::string thread_id_;
    const Redactor& redactor_;
    agui::EventHub& hub_;
    WriteBack* write_back_;

    std::mutex mutex_;
    std::string run_id_;
    std::int64_t user_seq_ = 0;
    struct OpenStream {
        std::string content_type;  // the event type that carries its deltas
        std::string id_key;        // "messageId" or "toolCallId"
        std::unique_ptr<StreamRedactor> redactor;
    };
    std::map<std::string, OpenStream> streams_;  // by message or tool call id
};

}  // namespace ambient::runner
