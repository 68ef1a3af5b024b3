#include "runner/agui/events.hpp"

#include <chrono>

#include "common/ksuid.hpp"

namespace ambient::runner::agui {

using nlohmann::json;

json run_started(const std::string& thread_id, const std::string& run_id) {
    return {{"type", "RUN_STARTED"}, {"threadId", thread_id}, {"runId", run_id}};
}
json run_finished(const std::string& thread_id, const std::string& run_id, json result) {
    return {{"type", "RUN_FINISHED"}, {"threadId", thread_id}, {"runId", run_id}, {"result", std::move(result)}};
}
json run_error(const std::string& thread_id, const std::string& run_id, const std::string& message,
               const std::string& code) {
    return {{"type", "RUN_ERROR"}, {"threadId", thread_id}, {"runId", run_id}, {"message", message}, {"code", code}};
}
json text_message_start(const std::string& message_id, const std::string& role) {
    return {{"type", "TEXT_MESSAGE_START"}, {"messageId", message_id}, {"role", role}};
}
json text_message_content(const std::string& message_id, const std::string& delta) {
    return {{"type", "TEXT_MESSAGE_CONTENT"}, {"messageId", message_id}, {"delta", delta}};
}
json text_message_end(const std::string& message_id) {
    return {{"type", "TEXT_MESSAGE_END"}, {"messageId", message_id}};
}
json tool_call_start(const std::string& tool_call_id, const std::string& name, const std::string& parent_message_id) {
    json e = {{"type", "TOOL_CALL_START"}, {"toolCallId", tool_call_id}, {"toolCallName", name}};
    if (!parent_message_id.empty()) e["parentMessageId"] = parent_message_id;
    return e;
}
json tool_call_args(const std::string& tool_call_id, const std::string& delta) {
    return {{"type", "TOOL_CALL_ARGS"}, {"toolCallId", tool_call_id}, {"delta", delta}};
}
json tool_call_end(const std::string& tool_call_id) {
    return {{"type", "TOOL_CALL_END"}, {"toolCallId", tool_call_id}};
}
json tool_call_result(const std::string& tool_call_id, const std::string& content) {
    return {{"type", "TOOL_CALL_RESULT"},
            {"messageId", tool_call_id + "-result"},
            {"toolCallId", tool_call_id},
            {"content", content},
            {"role", "tool"}};
}
json reasoning_start(const std::string& message_id) {
    return {{"type", "REASONING_START"}, {"messageId", message_id}};
}
json reasoning_message_start(const std::string& message_id) {
    return {{"type", "REASONING_MESSAGE_START"}, {"messageId", message_id}, {"role", "assistant"}};
}
json reasoning_message_content(const std::string& message_id, const std::string& delta) {
    return {{"type", "REASONING_MESSAGE_CONTENT"}, {"messageId", message_id}, {"delta", delta}};
}
json reasoning_message_end(const std::string& message_id) {
    return {{"type", "REASONING_MESSAGE_END"}, {"messageId", message_id}};
}
json reasoning_end(const std::string& message_id) {
    return {{"type", "REASONING_END"}, {"messageId", message_id}};
}
json custom(const std::string& name, json value) {
    return {{"type", "CUSTOM"}, {"name", name}, {"value", std::move(value)}};
}

std::string new_id() {
    return ambient::new_ksuid();
}

long long now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace ambient::runner::agui
