#pragma once
// The start prompt of an agent run: the markdown text that becomes the first user message of
// the session an agent's start creates (and what the previews show). Plain data in, text
// out, so that its format is tested without a database.
#include <string>
#include <vector>

namespace ambient::api {

struct StartPromptPeer {
    std::string name;
    std::string description;  // "" renders as "—"
    std::string id;           // not shown; who may read the peer depends on it
};

struct StartPromptInboxMessage {
    std::string from_name;
    std::string from_agent_id;
    std::string body;
};

struct StartPromptInput {
    std::string agent_name;
    std::string project_id;
    std::string workspace_context;               // the project's prompt
    std::string standing_instructions;           // the agent's prompt
    std::vector<StartPromptPeer> peers;          // the project's other agents
    std::vector<StartPromptInboxMessage> inbox;  // unread, oldest first
    std::string task;                            // the start request's prompt
};

// Sections, in order, each omitted when it would be empty:
//   # Agent Start: <name>
//   You are **<name>**, working in project **<project>**.
//   ## Workspace Context / ## Standing Instructions / ## Peer Agents in this Project (a table)
//   ## Inbox Messages (unread at start) / ## Task for this Run
// separated by blank lines.
std::string assemble_start_prompt(const StartPromptInput& input);

}  // namespace ambient::api
