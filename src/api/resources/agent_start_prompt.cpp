#include "api/resources/agent_start_prompt.hpp"

namespace ambient::api {
namespace {

// A table cell holds one line, and a '|' would start the next cell.
std::string table_cell(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '|') {
            out += "\\|";
        } else if (c == '\n' || c == '\r') {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

void add_section(std::string& out, const std::string& heading, const std::string& body) {
    if (body.empty()) return;
    out += "\n\n## ";
    out += heading;
    out += "\n\n";
    out += body;
}

std::string peer_table(const std::vector<StartPromptPeer>& peers) {
    if (peers.empty()) return {};
    std::string table = "| Agent | Description |\n| --- | --- |";
    for (const auto& peer : peers) {
        table += "\n| " + table_cell(peer.name) + " | " +
                 (peer.description.empty() ? std::string("—") : table_cell(peer.description)) + " |";
    }
    return table;
}

std::string inbox_text(const std::vector<StartPromptInboxMessage>& inbox) {
    std::string text;
    for (const auto& message : inbox) {
        const std::string sender = !message.from_name.empty()       ? message.from_name
                                   : !message.from_agent_id.empty() ? message.from_agent_id
                                                                    : std::string("system");
        if (!text.empty()) text += "\n\n";
        text += "**From " + sender + ":** " + message.body;
    }
    return text;
}

}  // namespace

std::string assemble_start_prompt(const StartPromptInput& input) {
    std::string out = "# Agent Start: " + input.agent_name + "\n\nYou are **" + input.agent_name +
                      "**, working in project **" + input.project_id + "**.";
    add_section(out, "Workspace Context", input.workspace_context);
    add_section(out, "Standing Instructions", input.standing_instructions);
    add_section(out, "Peer Agents in this Project", peer_table(input.peers));
    add_section(out, "Inbox Messages (unread at start)", inbox_text(input.inbox));
    add_section(out, "Task for this Run", input.task);
    return out;
}

}  // namespace ambient::api
