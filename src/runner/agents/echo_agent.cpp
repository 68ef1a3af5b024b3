#include "runner/agents/echo_agent.hpp"

#include "runner/agui/events.hpp"

namespace ambient::runner {
namespace {

class EchoAgent final : public Agent {
public:
    TurnOutcome run_turn(const TurnInput& input, agui::EventSink& sink) override {
        const auto id = agui::new_id();
        sink.emit(agui::text_message_start(id));
        // Word by word, so that readers see a streamed message like a model's.
        std::string reply = "echo: " + input.prompt;
        std::size_t start = 0;
        while (start < reply.size()) {
            auto end = reply.find(' ', start);
            end = end == std::string::npos ? reply.size() : end + 1;
            sink.emit(agui::text_message_content(id, reply.substr(start, end - start)));
            start = end;
        }
        sink.emit(agui::text_message_end(id));
        TurnOutcome outcome;
        outcome.ok = true;
        outcome.result = {{"is_error", false}, {"num_turns", 1}};
        return outcome;
    }
    void interrupt() override {}
};

}  // namespace

std::unique_ptr<Agent> make_echo_agent() {
    return std::make_unique<EchoAgent>();
}

}  // namespace ambient::runner
