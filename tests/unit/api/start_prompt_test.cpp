// The agent start prompt: section order, omissions, the peer table and inbox senders.
#include <gtest/gtest.h>

#include "api/resources/agent_start_prompt.hpp"

namespace ambient::api {
namespace {

TEST(StartPrompt, EverySectionInOrder) {
    StartPromptInput in;
    in.agent_name = "reviewer";
    in.project_id = "proj";
    in.workspace_context = "We build compilers.";
    in.standing_instructions = "Review every PR.";
    in.peers = {{"builder", "Builds things"}, {"tester", ""}};
    in.inbox = {{"alice", "", "Look at #12"}, {"", "2abc", "Done with #11"}, {"", "", "Nightly failed"}};
    in.task = "Review PR #12.";
    EXPECT_EQ(assemble_start_prompt(in),
              "# Agent Start: reviewer\n"
              "\n"
              "You are **reviewer**, working in project **proj**.\n"
              "\n"
              "## Workspace Context\n"
              "\n"
              "We build compilers.\n"
              "\n"
              "## Standing Instructions\n"
              "\n"
              "Review every PR.\n"
              "\n"
              "## Peer Agents in this Project\n"
              "\n"
              "| Agent | Description |\n"
              "| --- | --- |\n"
              "| builder | Builds things |\n"
              "| tester | — |\n"
              "\n"
              "## Inbox Messages (unread at start)\n"
              "\n"
              "**From alice:** Look at #12\n"
              "\n"
              "**From 2abc:** Done with #11\n"
              "\n"
              "**From system:** Nightly failed\n"
              "\n"
              "## Task for this Run\n"
              "\n"
              "Review PR #12.");
}

TEST(StartPrompt, EmptySectionsAreOmitted) {
    StartPromptInput in;
    in.agent_name = "solo";
    in.project_id = "p";
    EXPECT_EQ(assemble_start_prompt(in), "# Agent Start: solo\n\nYou are **solo**, working in project **p**.");

    in.task = "Just this.";
    const auto text = assemble_start_prompt(in);
    EXPECT_EQ(text.find("## Workspace Context"), std::string::npos);
    EXPECT_EQ(text.find("## Peer Agents"), std::string::npos);
    EXPECT_EQ(text.find("## Inbox Messages"), std::string::npos);
    EXPECT_TRUE(text.ends_with("\n\n## Task for this Run\n\nJust this."));
}

TEST(StartPrompt, TableCellsStayOnOneRow) {
    StartPromptInput in;
    in.agent_name = "a";
    in.project_id = "p";
    in.peers = {{"x|y", "line one\nline two | more"}};
    const auto text = assemble_start_prompt(in);
    EXPECT_NE(text.find("| x\\|y | line one line two \\| more |"), std::string::npos) << text;
}

}  // namespace
}  // namespace ambient::api
