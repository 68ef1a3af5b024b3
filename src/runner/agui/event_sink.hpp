#pragma once
// Where AG-UI events go. The turn loop's sink redacts every event, stamps it with an id,
// keeps it in the replay ring for /events readers and writes the conversation back to the
// session. Agents only emit.
#include <nlohmann/json.hpp>

namespace ambient::runner::agui {

class EventSink {
public:
    virtual ~EventSink() = default;
    // `event` is an AG-UI event object with at least "type" (e.g. TEXT_MESSAGE_CONTENT);
    // threadId, runId and timestamp are filled in when absent. Thread-safe.
    virtual void emit(nlohmann::json event) = 0;
};

}  // namespace ambient::runner::agui
