#include "cli/agui_text.hpp"

#include <cstdio>
#include <cstdlib>
#include <ostream>

#include "cli/output.hpp"

namespace ambient::cli {
namespace {

constexpr const char* kDim = "\x1b[2m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kCyan = "\x1b[36m";
constexpr const char* kReset = "\x1b[0m";

constexpr std::size_t kTerminalPreview = 100;
constexpr std::size_t kLinePreview = 200;
constexpr std::size_t kArgsPreview = 60;

std::string string_at(const Json& object, const char* key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Json parse_object(const std::string& text) {
    auto j = Json::parse(text, nullptr, false);
    return j.is_object() ? j : Json::object();
}

// An event's text on one line: a newline inside it would start a line without the type.
std::string escape_newlines(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else
            out += c;
    }
    return out;
}

std::string joined(const std::string& a, const std::string& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return a + " " + b;
}

// "TEXT_MESSAGE_CONTENT": the shape of an AG-UI type, which upstream's runner stored as event_type.
bool is_agui_type(const std::string& type) {
    if (type.empty()) return false;
    for (char c : type) {
        if (!((c >= 'A' && c <= 'Z') || c == '_')) return false;
    }
    return true;
}

bool is_text_content(const std::string& type) {
    return type == "TEXT_MESSAGE_CONTENT" || type == "TEXT_MESSAGE_CHUNK";
}

bool is_reasoning_content(const std::string& type) {
    return type == "REASONING_MESSAGE_CONTENT" || type == "THINKING_TEXT_MESSAGE_CONTENT";
}

// Events that only open or close something; the text style shows their content elsewhere.
bool is_marker(const std::string& type) {
    return type == "TEXT_MESSAGE_START" || type == "TEXT_MESSAGE_END" || type == "TOOL_CALL_ARGS" ||
           type == "TOOL_CALL_END" || type == "REASONING_START" || type == "REASONING_END" ||
           type == "REASONING_MESSAGE_START" || type == "REASONING_MESSAGE_END" || type == "THINKING_START" ||
           type == "THINKING_END" || type == "THINKING_TEXT_MESSAGE_START" || type == "THINKING_TEXT_MESSAGE_END";
}

std::string args_summary(const std::string& args) {
    const auto parsed = Json::parse(args, nullptr, false);
    return preview(input_summary(parsed.is_discarded() ? Json(args) : parsed), kArgsPreview);
}

std::vector<Json> lifecycle_events(const Json& payload) {
    const auto event = string_at(payload, "event");
    const auto run_id = string_at(payload, "run_id");
    if (event == "run_started") return {{{"type", "RUN_STARTED"}, {"runId", run_id}}};
    if (event != "run_finished") return {};
    if (string_at(payload, "status") == "error")
        return {{{"type", "RUN_ERROR"}, {"runId", run_id}, {"message", string_at(payload, "message")}}};
    Json result = Json::object();
    for (const char* key : {"usage", "total_cost_usd"}) {
        if (payload.contains(key)) result[key] = payload[key];
    }
    return {{{"type", "RUN_FINISHED"}, {"runId", run_id}, {"result", result}}};
}

}  // namespace

RenderOptions render_options_for_stdout() {
    if (!stdout_is_terminal()) return {EventStyle::Lines, false};
    const char* no_colour = std::getenv("NO_COLOR");
    return {EventStyle::Terminal, no_colour == nullptr || *no_colour == '\0'};
}

std::string user_text(const std::string& payload) {
    const auto input = parse_object(payload);
    const auto messages = input.find("messages");
    if (messages == input.end() || !messages->is_array()) return payload;
    for (auto it = messages->rbegin(); it != messages->rend(); ++it) {
        if (string_at(*it, "role") != "user") continue;
        const auto& content = (*it)["content"];
        if (content.is_string()) return content.get<std::string>();
        std::string text;
        for (const auto& part : content.is_array() ? content : Json::array()) {
            if (string_at(part, "type") != "text") continue;
            if (!text.empty()) text += "\n";
            text += string_at(part, "text");
        }
        return text;
    }
    return payload;
}

std::vector<Json> events_of_message(const Json& message) {
    const auto type = string_at(message, "event_type");
    const auto payload = string_at(message, "payload");
    const auto id = "msg-" + text_of(message.value("seq", Json()));
    if (type == "user") return {{{"type", "USER"}, {"text", user_text(payload)}}};
    if (type == "assistant") {
        return {{{"type", "TEXT_MESSAGE_START"}, {"messageId", id}, {"role", "assistant"}},
                {{"type", "TEXT_MESSAGE_CONTENT"}, {"messageId", id}, {"delta", payload}},
                {{"type", "TEXT_MESSAGE_END"}, {"messageId", id}}};
    }
    if (type == "tool_use") {
        const auto use = parse_object(payload);
        const auto call = string_at(use, "tool_call_id");
        const auto& input = use.contains("input") ? use["input"] : Json();
        return {{{"type", "TOOL_CALL_START"}, {"toolCallId", call}, {"toolCallName", string_at(use, "tool")}},
                {{"type", "TOOL_CALL_ARGS"},
                 {"toolCallId", call},
                 {"delta", input.is_string() ? input.get<std::string>() : input.dump()}},
                {{"type", "TOOL_CALL_END"}, {"toolCallId", call}}};
    }
    if (type == "tool_result") {
        const auto result = parse_object(payload);
        return {{{"type", "TOOL_CALL_RESULT"},
                 {"toolCallId", string_at(result, "tool_call_id")},
                 {"content", string_at(result, "result")}}};
    }
    if (type == "lifecycle") return lifecycle_events(parse_object(payload));
    if (type == "error") return {};
    if (is_agui_type(type)) {
        auto event = Json::parse(payload, nullptr, false);
        if (event.is_object()) {
            event["type"] = type;
            return {event};
        }
    }
    return {{{"type", type}, {"text", payload}}};
}

std::optional<RunEnd> run_end_of(const Json& message) {
    if (string_at(message, "event_type") != "lifecycle") return std::nullopt;
    const auto payload = parse_object(string_at(message, "payload"));
    if (string_at(payload, "event") != "run_finished") return std::nullopt;
    RunEnd end;
    end.failed = string_at(payload, "status") == "error";
    end.message = string_at(payload, "message");
    if (const auto seq = payload.find("user_seq"); seq != payload.end() && seq->is_number_integer())
        end.user_seq = seq->get<std::int64_t>();
    return end;
}

EventPrinter::EventPrinter(std::ostream& out, RenderOptions options) : out_(out), options_(options) {}

void EventPrinter::print(const Json& event) {
    if (!event.is_object()) return;
    const auto type = string_at(event, "type");
    if (type == "TOOL_CALL_START") {
        tools_[string_at(event, "toolCallId")] = {string_at(event, "toolCallName"), {}};
    } else if (type == "TOOL_CALL_ARGS") {
        tools_[string_at(event, "toolCallId")].args += string_at(event, "delta");
    }
    if (options_.style == EventStyle::Terminal)
        print_terminal(type, event);
    else
        print_line(type, event);
    if (type == "TOOL_CALL_RESULT") tools_.erase(string_at(event, "toolCallId"));
    if (type == "RUN_FINISHED" || type == "RUN_ERROR") tools_.clear();
    out_.flush();
}

void EventPrinter::print_message(const Json& message) {
    for (const auto& event : events_of_message(message))
        print(event);
}

void EventPrinter::finish() {
    if (!at_line_start_) write_inline("\n", nullptr);
    in_reasoning_ = false;
    out_.flush();
}

std::string EventPrinter::paint(const std::string& text, const char* colour) const {
    if (!options_.colour || colour == nullptr) return text;
    return std::string(colour) + text + kReset;
}

void EventPrinter::write_inline(std::string_view text, const char* colour) {
    if (text.empty()) return;
    out_ << paint(std::string(text), colour);
    at_line_start_ = text.back() == '\n';
}

void EventPrinter::write_line(const std::string& text, const char* colour) {
    finish();
    out_ << paint(text, colour) << '\n';
}

void EventPrinter::print_terminal(const std::string& type, const Json& event) {
    if (type == "RUN_STARTED") {
        write_line("▶ run started", kCyan);
    } else if (is_text_content(type)) {
        if (in_reasoning_) finish();
        write_inline(string_at(event, "delta"), nullptr);
    } else if (is_reasoning_content(type)) {
        if (!in_reasoning_) {
            finish();
            write_inline("[thinking] ", kDim);
            in_reasoning_ = true;
        }
        write_inline(string_at(event, "delta"), kDim);
    } else if (type == "TOOL_CALL_RESULT") {
        const auto call = tools_.find(string_at(event, "toolCallId"));
        std::string tool = "[Tool]";
        if (call != tools_.end() && !call->second.name.empty()) {
            tool += " " + call->second.name;
            if (const auto args = args_summary(call->second.args); !args.empty()) tool += "(" + args + ")";
        }
        write_line(tool + " → " + preview(string_at(event, "content"), kTerminalPreview), kYellow);
    } else if (type == "STEP_STARTED") {
        write_line("⦿ step: " + string_at(event, "stepName"), kDim);
    } else if (type == "RUN_FINISHED") {
        write_line(joined("■ run finished", usage_summary(event.value("result", Json()))), kGreen);
    } else if (type == "RUN_ERROR") {
        write_line("✗ error: " + string_at(event, "message"), kRed);
    } else if (type == "USER") {
        write_line("[user] " + string_at(event, "text"), kBold);
    } else if (type == "TEXT_MESSAGE_START" || type == "TEXT_MESSAGE_END" || type.ends_with("MESSAGE_END")) {
        finish();
    } else if (event.contains("text") && !string_at(event, "text").empty()) {
        write_line("[" + type + "] " + string_at(event, "text"), kDim);
    }
}

void EventPrinter::print_line(const std::string& type, const Json& event) {
    if (type.empty() || is_marker(type)) return;
    std::string detail;
    if (type == "RUN_STARTED") {
        detail = string_at(event, "runId");
    } else if (is_text_content(type) || is_reasoning_content(type)) {
        detail = string_at(event, "delta");
    } else if (type == "TOOL_CALL_START") {
        detail = string_at(event, "toolCallName");
    } else if (type == "TOOL_CALL_RESULT") {
        detail = preview(string_at(event, "content"), kLinePreview);
    } else if (type == "STEP_STARTED" || type == "STEP_FINISHED") {
        detail = string_at(event, "stepName");
    } else if (type == "RUN_FINISHED") {
        detail = joined(string_at(event, "runId"), usage_summary(event.value("result", Json())));
    } else if (type == "RUN_ERROR") {
        detail = string_at(event, "message");
    } else if (type == "CUSTOM") {
        detail = string_at(event, "name");
    } else {
        detail = string_at(event, "text");
    }
    out_ << joined(type, escape_newlines(detail)) << '\n';
}

std::string usage_summary(const Json& result) {
    if (!result.is_object()) return {};
    const auto usage = result.value("usage", Json::object());
    std::vector<std::string> parts;
    auto number = [&](const Json& from, const char* key, const char* label) {
        if (from.is_object() && from.contains(key) && from[key].is_number())
            parts.push_back(std::string(label) + "=" + from[key].dump());
    };
    number(result, "num_turns", "turns");
    number(usage, "input_tokens", "in");
    number(usage, "output_tokens", "out");
    number(usage, "cache_read_input_tokens", "cached");
    if (const auto cost = result.find("total_cost_usd"); cost != result.end() && cost->is_number()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "cost=$%.4f", cost->get<double>());
        parts.emplace_back(buf);
    }
    if (const auto ms = result.find("duration_ms"); ms != result.end() && ms->is_number())
        parts.push_back("dur=" + ms->dump() + "ms");
    std::string out;
    for (const auto& part : parts)
        out = joined(out, part);
    return out;
}

std::string input_summary(const Json& input) {
    if (input.is_string()) return input.get<std::string>();
    if (!input.is_object()) return input.is_null() ? std::string() : input.dump();
    std::string out;
    for (const auto& [key, value] : input.items()) {
        if (!out.empty()) out += ", ";
        out += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
    }
    return out;
}

std::string preview(std::string_view text, std::size_t max_chars) {
    std::string flat;
    bool blank = false;
    for (char c : text) {
        const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
        if (space && (blank || flat.empty())) continue;
        flat += space ? ' ' : c;
        blank = space;
    }
    while (!flat.empty() && flat.back() == ' ')
        flat.pop_back();
    std::size_t chars = 0;
    for (std::size_t i = 0; i < flat.size(); ++i) {
        if ((static_cast<unsigned char>(flat[i]) & 0xC0) == 0x80) continue;
        if (chars++ == max_chars) return flat.substr(0, i) + "…";
    }
    return flat;
}

namespace {

std::size_t runes(std::string_view text) {
    std::size_t n = 0;
    for (char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    }
    return n;
}

void wrap_line(std::string_view line, std::size_t room, const std::string& indent, std::string& out) {
    std::string current;
    std::size_t current_runes = 0;
    std::size_t start = 0;
    while (start <= line.size()) {
        auto end = line.find(' ', start);
        if (end == std::string_view::npos) end = line.size();
        const auto word = line.substr(start, end - start);
        start = end + 1;
        if (word.empty()) continue;
        const auto word_runes = runes(word);
        if (current_runes > 0 && current_runes + 1 + word_runes > room) {
            out += indent + current + "\n";
            current.clear();
            current_runes = 0;
        }
        if (current_runes > 0) {
            current += ' ';
            ++current_runes;
        }
        current += word;
        current_runes += word_runes;
    }
    out += indent + current + "\n";
}

}  // namespace

std::string wrap(std::string_view text, int width, int indent) {
    const std::string pad(static_cast<std::size_t>(std::max(0, indent)), ' ');
    const auto room = static_cast<std::size_t>(std::max(20, width - indent));
    std::string out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        wrap_line(text.substr(start, end - start), room, pad, out);
        start = end + 1;
    }
    return out;
}

std::string display_text(const Json& message) {
    const auto type = string_at(message, "event_type");
    const auto payload = string_at(message, "payload");
    if (type == "user") return user_text(payload);
    if (type == "assistant") return payload;
    if (type == "tool_use") {
        const auto use = parse_object(payload);
        const auto args = preview(input_summary(use.value("input", Json())), kArgsPreview);
        return "[Tool] " + string_at(use, "tool") + (args.empty() ? "" : "(" + args + ")");
    }
    if (type == "tool_result") return string_at(parse_object(payload), "result");
    if (type == "error") return string_at(parse_object(payload), "message");
    if (type == "lifecycle") {
        const auto lifecycle = parse_object(payload);
        if (string_at(lifecycle, "event") == "run_started") return "[started] " + string_at(lifecycle, "run_id");
        if (string_at(lifecycle, "status") == "error") return "[failed] " + string_at(lifecycle, "message");
        return joined("[done]", usage_summary(lifecycle));
    }
    if (!is_agui_type(type)) return payload;
    const auto event = parse_object(payload);
    if (is_text_content(type) || is_reasoning_content(type) || type == "TOOL_CALL_ARGS")
        return string_at(event, "delta");
    if (type == "TOOL_CALL_START") return string_at(event, "toolCallName");
    if (type == "TOOL_CALL_RESULT") return string_at(event, "content");
    if (type == "RUN_FINISHED") return joined("[done]", usage_summary(event.value("result", Json())));
    if (type == "RUN_ERROR") return "message='" + string_at(event, "message") + "'";
    return {};
}

}  // namespace ambient::cli
