// acpctl inbox …: messages waiting for an agent's next start.
//   send              POST   /projects/{p}/agents/{a}/inbox
//   list              GET    /projects/{p}/agents/{a}/inbox
//   read <msg>        PATCH  /projects/{p}/agents/{a}/inbox/{msg} {"read":true}  (alias mark-read)
//   delete <msg>      DELETE /projects/{p}/agents/{a}/inbox/{msg}
// The agent is --agent (upstream's --pa-id), by name or id, in --project-id or the current project.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/group_support.hpp"
#include "cli/resolve.hpp"

namespace ambient::cli {
namespace {

// The agent whose inbox a subcommand works on.
struct InboxTarget {
    std::string project_flag, agent;

    void add_to(CLI::App& command) {
        command.add_option("--project-id", project_flag, "Project of the agent (default: the current project)");
        command.add_option("--agent,--pa-id", agent, "The agent, by name or id")->required();
    }
    // "/projects/<p>/agents/<id>/inbox".
    std::string inbox_path(Context& ctx) const {
        const auto project = ctx.require_project(project_flag);
        const auto found = resolve_agent(ctx.api(), project, agent);
        return "/projects/" + escape(project) + "/agents/" + escape(field(found, "id")) + "/inbox";
    }
};

// Upstream's BODY cell: bodies past 48 bytes cut to 45 and "...", newlines flattened so a
// message stays on its row.
std::string body_preview(const Json& message) {
    auto body = field(message, "body");
    for (auto& c : body) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    if (body.size() <= 48) return body;
    auto cut = std::size_t{45};
    // Back up to the start of a UTF-8 character so none is split.
    while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80)
        --cut;
    return body.substr(0, cut) + "...";
}

std::vector<Column> inbox_columns() {
    return {field_column("ID", 27, "id"),
            Column{"FROM", 20,
                   [](const Json& m) {
                       const auto name = field(m, "from_name");
                       return name.empty() ? field(m, "from_agent_id") : name;
                   }},
            Column{"BODY", 50, body_preview},
            Column{"READ", 6, [](const Json& m) { return m.value("read", false) ? "true" : "false"; }}, age_column()};
}

void add_send(CLI::App& group, Context& ctx) {
    struct Options {
        InboxTarget target;
        std::string body, from_name, from_agent, output;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("send", "Leave a message for an agent");
    o->target.add_to(*cmd);
    cmd->add_option("--body", o->body, "The message")->required();
    cmd->add_option("--from-name", o->from_name, "Who it is from");
    cmd->add_option("--from-agent,--from-pa-id", o->from_agent, "The agent it is from (name or id, same project)");
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        const auto path = o->target.inbox_path(ctx);
        Json body = {{"body", o->body}};
        if (!o->from_name.empty()) body["from_name"] = o->from_name;
        if (!o->from_agent.empty()) {
            const auto project = ctx.require_project(o->target.project_flag);
            body["from_agent_id"] = field(resolve_agent(ctx.api(), project, o->from_agent), "id");
        }
        const auto sent = ctx.api().post(path, body, "send to the inbox of agent \"" + o->target.agent + "\"");
        print_written(o->output, "inbox-message", sent, "inbox-message/" + field(sent, "id") + " sent");
    });
}

void add_list(CLI::App& group, Context& ctx) {
    struct Options {
        InboxTarget target;
        std::string output;
        int limit = 100;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("list", "List an agent's messages, unread first");
    o->target.add_to(*cmd);
    add_output_flag(*cmd, o->output);
    add_limit_flag(*cmd, o->limit);
    cmd->callback([o, &ctx] {
        const auto list = ctx.api().get(o->target.inbox_path(ctx) + "?" + first_page_query(o->limit),
                                        "list the inbox of agent \"" + o->target.agent + "\"");
        const auto items = list.value("items", Json::array());
        const auto columns = inbox_columns();
        print_objects(std::cout, parse_format(o->output), "inbox-message", columns, columns,
                      {items.begin(), items.end()}, list);
    });
}

// The message a read or delete names: positional, or upstream's --msg-id.
struct MessageTarget {
    InboxTarget inbox;
    std::string positional, flag;

    void add_to(CLI::App& command) {
        inbox.add_to(command);
        command.add_option("msg-id", positional, "The message's id");
        command.add_option("--msg-id", flag, "The message's id (upstream's flag)");
    }
    std::string id() const {
        if (!positional.empty() && !flag.empty() && positional != flag)
            throw usage_error("the message id is given twice, differently");
        const auto& id = positional.empty() ? flag : positional;
        if (id.empty()) throw usage_error("a message id is required");
        return id;
    }
};

void add_read(CLI::App& group, Context& ctx) {
    auto o = std::make_shared<MessageTarget>();
    auto* cmd = group.add_subcommand("read", "Mark a message read");
    cmd->alias("mark-read");
    o->add_to(*cmd);
    cmd->callback([o, &ctx] {
        const auto id = o->id();
        ctx.api().patch(o->inbox.inbox_path(ctx) + "/" + escape(id), Json{{"read", true}},
                        "mark inbox message \"" + id + "\" read");
        std::cout << "inbox-message/" << id << " marked as read\n";
    });
}

void add_delete(CLI::App& group, Context& ctx) {
    auto o = std::make_shared<MessageTarget>();
    auto* cmd = group.add_subcommand("delete", "Delete a message");
    o->add_to(*cmd);
    cmd->callback([o, &ctx] {
        const auto id = o->id();
        ctx.api().del(o->inbox.inbox_path(ctx) + "/" + escape(id), "delete inbox message \"" + id + "\"");
        std::cout << "inbox-message/" << id << " deleted\n";
    });
}

}  // namespace

void register_inbox(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("inbox", "Manage an agent's inbox");
    group->require_subcommand(1);
    add_send(*group, ctx);
    add_list(*group, ctx);
    add_read(*group, ctx);
    add_delete(*group, ctx);
}

}  // namespace ambient::cli
