// The runner's mapping of Claude Code's stream-json output to AG-UI events. The input is the
// CLI's output, one line per mapped call. Whatever the CLI writes:
//   - a line is either mapped or reported malformed with a failed outcome, never an exception;
//   - the events nest as AG-UI requires: content and END only for a message, tool call or
//     reasoning that STARTed and has not ENDed, and after finish() nothing is left open;
//   - every event has a type and the id its type calls for.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "runner/agents/claude_stream_mapper.hpp"

namespace {

using nlohmann::json;

// Open STARTs by kind and id. Tool call ids come from the CLI's output, so one id may be open
// twice (two blocks naming the same tool_use id): a count, not a set.
class Nesting {
public:
    void check(const json& e) {
        if (!e.is_object() || !e.contains("type") || !e["type"].is_string()) std::abort();
        const auto type = e["type"].get<std::string>();
        if (type == "TEXT_MESSAGE_START") return open("text", id(e, "messageId"));
        if (type == "TEXT_MESSAGE_CONTENT") return expect_open("text", id(e, "messageId"));
        if (type == "TEXT_MESSAGE_END") return close("text", id(e, "messageId"));
        if (type == "TOOL_CALL_START") return open("tool", id(e, "toolCallId"));
        if (type == "TOOL_CALL_ARGS") return expect_open("tool", id(e, "toolCallId"));
        if (type == "TOOL_CALL_END") return close("tool", id(e, "toolCallId"));
        if (type == "REASONING_START") return open("reasoning", id(e, "messageId"));
        if (type == "REASONING_MESSAGE_START") {
            expect_open("reasoning", id(e, "messageId"));
            return open("reasoning message", id(e, "messageId"));
        }
        if (type == "REASONING_MESSAGE_CONTENT") return expect_open("reasoning message", id(e, "messageId"));
        if (type == "REASONING_MESSAGE_END") return close("reasoning message", id(e, "messageId"));
        if (type == "REASONING_END") {
            if (open_.count({"reasoning message", id(e, "messageId")}) != 0) std::abort();
            return close("reasoning", id(e, "messageId"));
        }
        if (type == "TOOL_CALL_RESULT") return (void)id(e, "toolCallId");
        if (type == "CUSTOM") return (void)id(e, "name");
        std::abort();  // the mapper makes no other events
    }
    bool empty() const { return open_.empty(); }

private:
    using Key = std::pair<std::string, std::string>;
    static std::string id(const json& e, const char* key) {
        if (!e.contains(key) || !e[key].is_string()) std::abort();
        return e[key].get<std::string>();
    }
    void open(const char* kind, const std::string& id) { ++open_[{kind, id}]; }
    void expect_open(const char* kind, const std::string& id) {
        if (open_.count({kind, id}) == 0) std::abort();
    }
    void close(const char* kind, const std::string& id) {
        const auto it = open_.find({kind, id});
        if (it == open_.end()) std::abort();
        if (--it->second == 0) open_.erase(it);
    }
    std::map<Key, int> open_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view output(reinterpret_cast<const char*>(data), size);
    int next_id = 0;
    ambient::runner::ClaudeStreamMapper mapper([&] { return "m" + std::to_string(++next_id); });
    Nesting nesting;
    while (!output.empty()) {
        const auto end = output.find('\n');
        const auto line = output.substr(0, end);
        output = end == std::string_view::npos ? std::string_view{} : output.substr(end + 1);
        const auto mapped = mapper.map(line);
        if (mapped.malformed && (!mapped.outcome || mapped.outcome->ok)) std::abort();
        for (const auto& e : mapped.events)
            nesting.check(e);
    }
    for (const auto& e : mapper.finish())
        nesting.check(e);
    if (!nesting.empty()) std::abort();
    return 0;
}
