#pragma once
// AG-UI event objects (https://docs.ag-ui.com, camelCase keys, SCREAMING_CASE types), built
// in one place so every agent spells them the same.
#include <string>

#include <nlohmann/json.hpp>

namespace ambient::runner::agui {

nlohmann::json run_started(const std::string& thread_id, const std::string& run_id);
nlohmann::json run_finished(const std::string& thread_id, const std::string& run_id, nlohmann::json result);
nlohmann::json run_error(const std::string& thread_id, const std::string& run_id, const std::string& message,
                         const std::string& code = "RUNNER_ERROR");
nlohmann::json text_message_start(const std::string& message_id, const std::string& role = "assistant");
nlohmann::json text_message_content(const std::string& message_id, const std::string& delta);
nlohmann::json text_message_end(const std::string& message_id);
nlohmann::json tool_call_start(const std::string& tool_call_id, const std::string& name,
                               const std::string& parent_message_id = {});
nlohmann::json tool_call_args(const std::string& tool_call_id, const std::string& delta);
nlohmann::json tool_call_end(const std::string& tool_call_id);
nlohmann::json tool_call_result(const std::string& tool_call_id, const std::string& content);
nlohmann::json reasoning_start(const std::string& message_id);
nlohmann::json reasoning_message_start(const std::string& message_id);
nlohmann::json reasoning_message_content(const std::string& message_id, const std::string& delta);
nlohmann::json reasoning_message_end(const std::string& message_id);
nlohmann::json reasoning_end(const std::string& message_id);
nlohmann::json custom(const std::string& name, nlohmann::json value);

// A fresh id for a message or run (a KSUID).
std::string new_id();

// Milliseconds since the epoch, AG-UI's timestamp.
long long now_ms();

}  // namespace ambient::runner::agui
