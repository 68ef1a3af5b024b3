#include "runner/agents/claude_stream_mapper.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "runner/agui/events.hpp"

namespace ambient::runner {

using nlohmann::json;

namespace {

std::string string_at(const json& object, const char* key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A malformed line is cut in the error text: it may be long, and it is the CLI's output.
std::string excerpt(std::string_view line) {
    constexpr std::size_t kMax = 200;
    return line.size() <= kMax ? std::string(line) : std::string(line.substr(0, kMax)) + "…";
}

MappedLine malformed(std::string_view line, const std::string& why) {
    MappedLine out;
    out.malformed = true;
    out.outcome = TurnOutcome{false, "malformed output from the Claude CLI (" + why + "): " + excerpt(line),
                              nlohmann::json::object()};
    return out;
}

const json& message_of(const json& line) {
    const auto& message = line.at("message");
    if (!message.is_object()) throw std::invalid_argument("\"message\" is not an object");
    return message;
}

// The part of a `result` line that RUN_FINISHED carries (upstream's ResultMessage fields).
json result_summary(const json& line) {
    json result = json::object();
    for (const char* key : {"is_error", "duration_ms", "duration_api_ms", "num_turns", "total_cost_usd", "usage",
                            "stop_reason", "structured_output", "permission_denials"}) {
        if (const auto it = line.find(key); it != line.end() && !it->is_null()) result[key] = *it;
    }
    return result;
}

std::string result_error(const json& line) {
    std::string text = string_at(line, "result");
    if (text.empty()) {
        if (const auto errors = line.find("errors"); errors != line.end() && errors->is_array()) {
            for (const auto& e : *errors) {
                if (!e.is_string()) continue;
                if (!text.empty()) text += "; ";
                text += e.get<std::string>();
            }
        }
    }
    if (text.empty()) text = string_at(line, "subtype");
    std::string message = "Claude";
    if (const auto status = line.find("api_error_status"); status != line.end() && status->is_number_integer())
        message += " API error " + std::to_string(status->get<long long>());
    else
        message += " CLI error";
    return text.empty() ? message : message + ": " + text;
}

}  // namespace

std::string tool_result_text(const json& content) {
    if (content.is_string()) return content.get<std::string>();
    std::string text;
    if (!content.is_array()) return text;
    for (const auto& part : content) {
        if (string_at(part, "type") != "text") continue;  // images and the like have no text
        if (!text.empty()) text += "\n";
        text += string_at(part, "text");
    }
    return text;
}

ClaudeStreamMapper::ClaudeStreamMapper(std::function<std::string()> new_id) : new_id_(std::move(new_id)) {}

MappedLine ClaudeStreamMapper::map(std::string_view line) {
    const auto parsed = json::parse(line, nullptr, false);
    if (parsed.is_discarded()) return malformed(line, "not JSON");
    if (!parsed.is_object() || !parsed.contains("type") || !parsed["type"].is_string())
        return malformed(line, "not an object with a type");
    MappedLine out;
    try {
        const auto type = parsed["type"].get<std::string>();
        if (type == "stream_event") {
            on_stream_event(parsed, out);
        } else if (type == "assistant") {
            on_assistant(parsed, out);
        } else if (type == "user") {
            on_user(parsed, out);
        } else if (type == "system") {
            on_system(parsed, out);
        } else if (type == "result") {
            on_result(parsed, out);
        }
    } catch (const std::exception& e) {
        // A field missing or of an unexpected type inside a known line (json::exception).
        // What the line did before that stays done (a message_start ends the blocks its
        // stream left open, and forgets them), so its events go out with the failure: without
        // them those STARTs would never get their ENDs. Found by
        // tests/fuzz/claude_stream_fuzz.cpp.
        auto failed = malformed(line, e.what());
        failed.events = std::move(out.events);
        return failed;
    }
    return out;
}

void ClaudeStreamMapper::on_stream_event(const json& line, MappedLine& out) {
    const auto& event = line.at("event");
    const auto type = string_at(event, "type");
    auto& stream = streams_[string_at(line, "parent_tool_use_id")];
    if (type == "message_start") {
        close_stream(stream, out.events);  // a stream that broke off never sent its stops
        stream.message_id = string_at(event.at("message"), "id");
        if (!stream.message_id.empty()) streamed_message_ids_.push_back(stream.message_id);
        if (streamed_message_ids_.size() > 64) streamed_message_ids_.erase(streamed_message_ids_.begin());
        return;
    }
    if (type == "message_stop") {
        close_stream(stream, out.events);
        return;
    }
    if (type != "content_block_start" && type != "content_block_delta" && type != "content_block_stop") return;
    // A number that is not a whole one (1e300) would make get<long long>() undefined
    // behaviour. Found by tests/fuzz/claude_stream_fuzz.cpp.
    const auto& index_value = event.at("index");
    if (!index_value.is_number_integer()) throw std::invalid_argument("content block index is not an integer");
    const auto index = index_value.get<long long>();

    if (type == "content_block_start") {
        const auto& block = event.at("content_block");
        const auto kind = string_at(block, "type");
        if (auto old = stream.blocks.find(index); old != stream.blocks.end()) {
            close_block(old->second, out.events);
            stream.blocks.erase(old);
        }
        if (kind == "text") {
            // Started at its first text: an empty block makes no message.
            stream.blocks[index] = {OpenBlock::Kind::Text, new_id_(), false};
        } else if (kind == "tool_use" || kind == "server_tool_use") {
            OpenBlock open{OpenBlock::Kind::ToolUse, string_at(block, "id"), true};
            out.events.push_back(agui::tool_call_start(open.id, string_at(block, "name"), stream.last_text_id));
            stream.blocks[index] = std::move(open);
        } else if (kind == "thinking") {
            stream.blocks[index] = {OpenBlock::Kind::Thinking, new_id_(), false};
        }
        return;
    }

    const auto found = stream.blocks.find(index);
    if (found == stream.blocks.end()) return;  // a block kind we do not show (redacted_thinking…)
    auto& block = found->second;
    if (type == "content_block_stop") {
        close_block(block, out.events);
        stream.blocks.erase(found);
        return;
    }
    const auto& delta = event.at("delta");
    const auto delta_type = string_at(delta, "type");
    if (block.kind == OpenBlock::Kind::Text && delta_type == "text_delta") {
        const auto text = string_at(delta, "text");
        if (text.empty()) return;
        if (!block.started) {
            out.events.push_back(agui::text_message_start(block.id));
            block.started = true;
            stream.last_text_id = block.id;
        }
        out.events.push_back(agui::text_message_content(block.id, text));
    } else if (block.kind == OpenBlock::Kind::ToolUse && delta_type == "input_json_delta") {
        const auto partial = string_at(delta, "partial_json");
        if (!partial.empty()) out.events.push_back(agui::tool_call_args(block.id, partial));
    } else if (block.kind == OpenBlock::Kind::Thinking && delta_type == "thinking_delta") {
        const auto text = string_at(delta, "thinking");
        if (text.empty()) return;
        if (!block.started) {
            out.events.push_back(agui::reasoning_start(block.id));
            out.events.push_back(agui::reasoning_message_start(block.id));
            block.started = true;
        }
        out.events.push_back(agui::reasoning_message_content(block.id, text));
    }
    // signature_delta, citations_delta: nothing to show.
}

void ClaudeStreamMapper::on_assistant(const json& line, MappedLine& out) {
    // The CLI reports an API failure as a made-up assistant message ("model":"<synthetic>",
    // "error":"server_error") holding the text that the `result` line repeats: the turn's
    // RUN_ERROR says it, a TEXT_MESSAGE would say it twice.
    if (line.contains("error")) return;
    const auto& message = message_of(line);
    const auto message_id = string_at(message, "id");
    if (!message_id.empty() && std::find(streamed_message_ids_.begin(), streamed_message_ids_.end(), message_id) !=
                                   streamed_message_ids_.end())
        return;  // its blocks came as stream_event deltas already
    const auto content = message.find("content");
    if (content == message.end() || !content->is_array()) return;
    auto& stream = streams_[string_at(line, "parent_tool_use_id")];
    // A message that was not streamed follows a stream that broke off (the CLI retried
    // without streaming): what that stream left open ends before the new message begins.
    close_stream(stream, out.events);
    for (const auto& block : *content) {
        const auto kind = string_at(block, "type");
        if (kind == "text") {
            const auto text = string_at(block, "text");
            if (text.empty()) continue;
            const auto id = new_id_();
            out.events.push_back(agui::text_message_start(id));
            out.events.push_back(agui::text_message_content(id, text));
            out.events.push_back(agui::text_message_end(id));
            stream.last_text_id = id;
        } else if (kind == "tool_use" || kind == "server_tool_use") {
            const auto id = string_at(block, "id");
            out.events.push_back(agui::tool_call_start(id, string_at(block, "name"), stream.last_text_id));
            out.events.push_back(agui::tool_call_args(id, block.value("input", json::object()).dump()));
            out.events.push_back(agui::tool_call_end(id));
        } else if (kind == "thinking") {
            const auto text = string_at(block, "thinking");
            if (text.empty()) continue;
            const auto id = new_id_();
            out.events.push_back(agui::reasoning_start(id));
            out.events.push_back(agui::reasoning_message_start(id));
            out.events.push_back(agui::reasoning_message_content(id, text));
            out.events.push_back(agui::reasoning_message_end(id));
            out.events.push_back(agui::reasoning_end(id));
        }
    }
}

void ClaudeStreamMapper::on_user(const json& line, MappedLine& out) {
    const auto& message = message_of(line);
    const auto content = message.find("content");
    if (content == message.end() || !content->is_array()) return;  // the prompt echoed back
    for (const auto& block : *content) {
        if (string_at(block, "type") != "tool_result") continue;
        out.events.push_back(
            agui::tool_call_result(string_at(block, "tool_use_id"), tool_result_text(block.value("content", json()))));
    }
}

void ClaudeStreamMapper::on_system(const json& line, MappedLine& out) {
    const auto subtype = string_at(line, "subtype");
    if (subtype == "init") {
        const auto id = string_at(line, "session_id");
        if (!id.empty()) out.session_id = id;
    } else if (subtype == "api_retry") {
        json value = json::object();
        for (const char* key : {"attempt", "max_retries", "retry_delay_ms", "error_status", "error"}) {
            if (const auto it = line.find(key); it != line.end()) value[key] = *it;
        }
        out.events.push_back(agui::custom("api_retry", std::move(value)));
    }
}

void ClaudeStreamMapper::on_result(const json& line, MappedLine& out) {
    out.events = finish();
    const bool failed = line.value("is_error", false) || string_at(line, "subtype").starts_with("error");
    if (failed)
        out.outcome = TurnOutcome{false, result_error(line), result_summary(line)};
    else
        out.outcome = TurnOutcome{true, {}, result_summary(line)};
}

void ClaudeStreamMapper::close_block(OpenBlock& block, std::vector<json>& events) {
    if (!block.started) return;
    switch (block.kind) {
        case OpenBlock::Kind::Text:
            events.push_back(agui::text_message_end(block.id));
            break;
        case OpenBlock::Kind::ToolUse:
            events.push_back(agui::tool_call_end(block.id));
            break;
        case OpenBlock::Kind::Thinking:
            events.push_back(agui::reasoning_message_end(block.id));
            events.push_back(agui::reasoning_end(block.id));
            break;
    }
    block.started = false;
}

void ClaudeStreamMapper::close_stream(Stream& stream, std::vector<json>& events) {
    for (auto& [index, block] : stream.blocks)
        close_block(block, events);
    stream.blocks.clear();
}

std::vector<json> ClaudeStreamMapper::finish() {
    std::vector<json> events;
    for (auto& [parent, stream] : streams_)
        close_stream(stream, events);
    streams_.clear();
    return events;
}

}  // namespace ambient::runner
