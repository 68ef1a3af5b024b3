// acpctl agent …: a project's standing agents (upstream's group, with HEAD's stop).
//   create                  POST   /projects/{p}/agents
//   list                    GET    /projects/{p}/agents
//   get <agent>             (resolved by name, then id)
//   update <agent>          PATCH  /projects/{p}/agents/{id}   (the flags given only)
//   delete <agent>          DELETE /projects/{p}/agents/{id}   (--confirm)
//   start <agent>           POST   /projects/{p}/agents/{id}/start
//   stop <agent>            POST   /sessions/{current session}/stop, when it is active
//   ignition <agent>        GET    /projects/{p}/agents/{id}/ignition   (alias start-preview)
//   sessions <agent>        GET    /projects/{p}/agents/{id}/sessions
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/group_support.hpp"
#include "cli/kinds.hpp"
#include "cli/resolve.hpp"

namespace ambient::cli {
namespace {

std::string agents_path(const std::string& project) {
    return "/projects/" + escape(project) + "/agents";
}

std::string agent_path(const std::string& project, const Json& agent) {
    return agents_path(project) + "/" + escape(field(agent, "id"));
}

bool is_active_phase(const std::string& phase) {
    return phase == "Pending" || phase == "Creating" || phase == "Running";
}

void print_agents(const std::string& output, const std::vector<Json>& agents, const Json& list) {
    const auto& kind = *find_kind("agent");
    print_objects(std::cout, parse_format(output), kind.name, kind.columns, kind.wide, agents, list);
}

// The options every subcommand naming one agent has.
struct AgentTarget {
    std::string project_flag;
    std::string agent;

    void add_to(CLI::App& command) {
        command.add_option("--project-id", project_flag, "Project of the agent (default: the current project)");
        command.add_option("name-or-id", agent, "The agent's name or id")->required();
    }
};

// The fields create and update send (upstream's flags, then ours).
void add_agent_fields(CLI::App& command, BodyFlags& fields) {
    fields.add(command, "prompt", "prompt", "Standing instructions of the agent");
    fields.add(command, "labels", "labels", "Labels, as a JSON object");
    fields.add(command, "annotations", "annotations", "Annotations, as a JSON object");
    fields.add(command, "model", "llm_model", "LLM model of the agent's sessions");
    fields.add(command, "repo-url", "repo_url", "Repository the agent's sessions work on");
    fields.add(command, "description", "description", "What the agent is for (shown to its peers)");
    fields.add(command, "display-name", "display_name", "Human-readable name");
}

void add_create(CLI::App& agent, Context& ctx) {
    struct Options {
        std::string project_flag, name, output;
        BodyFlags fields;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = agent.add_subcommand("create", "Create an agent in a project");
    cmd->add_option("--project-id", o->project_flag, "Project of the agent (default: the current project)");
    cmd->add_option("--name", o->name, "Name of the agent, unique in its project")->required();
    add_agent_fields(*cmd, o->fields);
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        const auto project = ctx.require_project(o->project_flag);
        auto body = o->fields.body();
        body["name"] = o->name;
        body["project_id"] = project;
        const auto created = ctx.api().post(agents_path(project), body, "create agent \"" + o->name + "\"");
        print_written(o->output, "agent", created, "agent/" + o->name + " created");
    });
}

void add_list(CLI::App& agent, Context& ctx) {
    struct Options {
        std::string project_flag, output;
        int limit = 100;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = agent.add_subcommand("list", "List the agents of a project");
    cmd->add_option("--project-id", o->project_flag, "Project (default: the current project)");
    add_output_flag(*cmd, o->output);
    add_limit_flag(*cmd, o->limit);
    cmd->callback([o, &ctx] {
        const auto project = ctx.require_project(o->project_flag);
        const auto list = ctx.api().get(agents_path(project) + "?" + first_page_query(o->limit),
                                        "list agents of \"" + project + "\"");
        const auto items = list.value("items", Json::array());
        print_agents(o->output, {items.begin(), items.end()}, list);
    });
}

void add_get(CLI::App& agent, Context& ctx) {
    struct Options {
        AgentTarget target;
        std::string output;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = agent.add_subcommand("get", "Show an agent");
    o->target.add_to(*cmd);
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        const auto project = ctx.require_project(o->target.project_flag);
        const auto found = resolve_agent(ctx.api(), project, o->target.agent);
        print_agents(o->output, {found}, Json());
    });
}

void add_update(CLI::App& agent, Context& ctx) {
    struct Options {
        AgentTarget target;
        std::string output;
        BodyFlags fields;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = agent.add_subcommand("update", "Change an agent's fields (only the flags given)");
    o->target.add_to(*cmd);
    o->fields.add(*cmd, "name", "name", "New name");
    add_agent_fields(*cmd, o->fields);
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        if (!o->fields.any_given()) throw usage_error("nothing to update; give one of " + o->fields.flag_names());
        const auto project = ctx.require_project(o->target.project_flag);
        const auto found = resolve_agent(ctx.api(), project, o->target.agent);
        const auto updated =
            ctx.api().patch(agent_path(project, found), o->fields.body(), "update agent \"" + o->target.agent + "\"");
        print_written(o->output, "agent", updated, "agent/" + field(updated, "name") + " updated");
    });
}

void add_delete(CLI::App& agent, Context& ctx) {
    struct Options {
        AgentTarget target;
        bool confirm = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = agent.add_subcommand("delete", "Delete an agent (its sessions stay)");
    o->target.add_to(*cmd);
    cmd->add_flag("--confirm", o->confirm, "Confirm the deletion");
    cmd->callback([o, &ctx] {
        // Refused before any request, so a forgotten flag costs nothing.
        if (!o->confirm) throw usage_error("add --confirm to delete agent/" + o->target.agent);
        const auto project = ctx.require_project(o->target.project_flag);
        const auto found = resolve_agent(ctx.api(), project, o->target.agent);
        ctx.api().del(agent_path(project, found), "delete agent \"" + o->target.agent + "\"");
        std::cout << "agent/" << o->target.agent << " deleted\n";
    });
}

void add_start(CLI::App& agent, Context& ctx) {
    struct Options {
        AgentTarget target;
        std::string prompt, output;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = agent.add_subcommand("start", "Start a session of the agent (or show the one already active)");
    o->target.add_to(*cmd);
    cmd->add_option("--prompt", o->prompt, "The task for this run");
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        const auto project = ctx.require_project(o->target.project_flag);
        const auto found = resolve_agent(ctx.api(), project, o->target.agent);
        Json body = Json::object();
        if (!o->prompt.empty()) body["prompt"] = o->prompt;
        const auto response = ctx.api().request("POST", agent_path(project, found) + "/start", body.dump());
        if (response.status != 200 && response.status != 201)
            Api::fail(response, "start agent \"" + o->target.agent + "\"");
        // 200: the agent already had an active session and the server handed it back.
        const auto session = Json::parse(response.body).value("session", Json::object());
        const auto verb = response.status == 201 ? " started" : " already active";
        print_written(o->output, "session", session,
                      "session/" + field(session, "id") + verb + " (phase: " + field(session, "phase") + ")");
    });
}

void add_stop(CLI::App& agent, Context& ctx) {
    auto target = std::make_shared<AgentTarget>();
    auto* cmd = agent.add_subcommand("stop", "Stop the agent's active session");
    target->add_to(*cmd);
    cmd->callback([target, &ctx] {
        const auto project = ctx.require_project(target->project_flag);
        const auto found = resolve_agent(ctx.api(), project, target->agent);
        const auto name = field(found, "name");
        const auto session_id = field(found, "current_session_id");
        if (session_id.empty()) {
            std::cout << "agent/" << name << " has no active session\n";
            return;
        }
        const auto label = "agent/" + name + " session/" + session_id;
        const auto session = ctx.api().get("/sessions/" + escape(session_id), "get session \"" + session_id + "\"");
        const auto phase = field(session, "phase");
        if (!is_active_phase(phase)) {
            std::cout << label << " already " << phase << "\n";
            return;
        }
        const auto stopped = ctx.api().post("/sessions/" + escape(session_id) + "/stop", Json::object(),
                                            "stop session \"" + session_id + "\"", {200});
        std::cout << label << " stopped (phase: " << field(stopped, "phase") << ")\n";
    });
}

void add_ignition(CLI::App& agent, Context& ctx) {
    struct Options {
        AgentTarget target;
        std::string prompt, output;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = agent.add_subcommand("ignition", "Show the start prompt a start would send now");
    cmd->alias("start-preview");
    o->target.add_to(*cmd);
    cmd->add_option("--prompt", o->prompt, "The task for the run, shown in its section");
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        const auto project = ctx.require_project(o->target.project_flag);
        const auto found = resolve_agent(ctx.api(), project, o->target.agent);
        auto path = agent_path(project, found) + "/ignition";
        if (!o->prompt.empty()) path += "?prompt=" + escape(o->prompt);
        const auto ignition = ctx.api().get(path, "get the start prompt of agent \"" + o->target.agent + "\"");
        const auto format = parse_format(o->output);
        if (format == Format::Json) return print_json(std::cout, ignition);
        if (format == Format::Yaml) return print_yaml(std::cout, ignition);
        std::cout << field(ignition, "starting_prompt") << '\n';
    });
}

void add_sessions(CLI::App& agent, Context& ctx) {
    struct Options {
        AgentTarget target;
        std::string output;
        int limit = 100;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = agent.add_subcommand("sessions", "List the agent's sessions");
    o->target.add_to(*cmd);
    add_output_flag(*cmd, o->output);
    add_limit_flag(*cmd, o->limit);
    cmd->callback([o, &ctx] {
        const auto project = ctx.require_project(o->target.project_flag);
        const auto found = resolve_agent(ctx.api(), project, o->target.agent);
        const auto list = ctx.api().get(agent_path(project, found) + "/sessions?" + first_page_query(o->limit),
                                        "list sessions of agent \"" + o->target.agent + "\"");
        const auto items = list.value("items", Json::array());
        const std::vector<Column> columns = {field_column("ID", 27, "id"), field_column("NAME", 32, "name"),
                                             field_column("PHASE", 12, "phase"), age_column()};
        const auto& session_kind = *find_kind("session");
        print_objects(std::cout, parse_format(o->output), "session", columns, session_kind.wide,
                      {items.begin(), items.end()}, list);
    });
}

}  // namespace

void register_agent(CLI::App& app, Context& ctx) {
    auto* agent = app.add_subcommand("agent", "Manage a project's agents");
    agent->require_subcommand(1);
    add_create(*agent, ctx);
    add_list(*agent, ctx);
    add_get(*agent, ctx);
    add_update(*agent, ctx);
    add_delete(*agent, ctx);
    add_start(*agent, ctx);
    add_stop(*agent, ctx);
    add_ignition(*agent, ctx);
    add_sessions(*agent, ctx);
}

}  // namespace ambient::cli
