// acpctl role-binding …: who holds which role where (docs/access.md).
//   create            POST   /role_bindings   (role, agent and credential names resolved)
//   list              GET    /role_bindings   (roles and targets shown by name)
//   delete <id>       DELETE /role_bindings/{id}   (asks first unless -y)
#include <iostream>
#include <map>
#include <memory>

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/group_support.hpp"
#include "cli/kinds.hpp"
#include "cli/resolve.hpp"

namespace ambient::cli {
namespace {

struct CreateOptions {
    std::string role, scope, scope_id, user, project, agent, session, credential, output;
};

// Upstream's --scope-id names the object of the scope; it fills the matching id flag.
void apply_scope_id(CreateOptions& o) {
    if (o.scope_id.empty()) return;
    std::string* target = nullptr;
    if (o.scope == "project") target = &o.project;
    if (o.scope == "agent") target = &o.agent;
    if (o.scope == "session") target = &o.session;
    if (o.scope == "credential") target = &o.credential;
    if (target == nullptr) throw usage_error("--scope-id cannot be used with scope \"" + o.scope + "\"");
    if (!target->empty() && *target != o.scope_id)
        throw usage_error("--scope-id and --" + o.scope + "-id name different objects");
    *target = o.scope_id;
}

// The binding's body, every name turned into the id the server stores.
Json binding_body(Context& ctx, const CreateOptions& o) {
    const auto& api = ctx.api();
    Json body = {{"role_id", resolve_role_id(api, o.role)}, {"scope", o.scope}};
    if (!o.user.empty()) body["user_id"] = o.user;
    auto project = o.project;
    if (!o.agent.empty()) {
        // An agent is named within its project, so the project is needed to find it.
        project = ctx.require_project(o.project);
        body["agent_id"] = field(resolve_agent(api, project, o.agent), "id");
    }
    if (!project.empty()) body["project_id"] = project;
    if (!o.session.empty()) body["session_id"] = o.session;
    if (!o.credential.empty()) body["credential_id"] = field(resolve_credential(api, o.credential), "id");
    return body;
}

void add_create(CLI::App& group, Context& ctx) {
    auto o = std::make_shared<CreateOptions>();
    auto* cmd = group.add_subcommand("create", "Give a role to a user (or grant a credential) at a scope");
    cmd->add_option("--role,--role-id", o->role, "The role's name or id")->required();
    cmd->add_option("--scope", o->scope, "global, project, agent, session or credential")->required();
    cmd->add_option("--user-id", o->user, "The username the role is given to");
    cmd->add_option("--project-id", o->project, "The project (scope project or agent, or a credential grant)");
    cmd->add_option("--agent-id", o->agent, "The agent, by name or id (in --project-id or the current project)");
    cmd->add_option("--session-id", o->session, "The session");
    cmd->add_option("--credential-id", o->credential, "The credential, by name or id");
    cmd->add_option("--scope-id", o->scope_id, "The object of the scope (upstream's flag)");
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        apply_scope_id(*o);
        const auto created = ctx.api().post("/role_bindings", binding_body(ctx, *o), "create role binding");
        print_written(o->output, "role-binding", created, "role-binding/" + field(created, "id") + " created");
    });
}

using NameIndex = std::map<std::string, std::string>;  // id → name

NameIndex names_of(const std::vector<Json>& objects) {
    NameIndex names;
    for (const auto& object : objects)
        names[field(object, "id")] = field(object, "name");
    return names;
}

bool any_has(const std::vector<Json>& bindings, const std::string& key) {
    for (const auto& binding : bindings) {
        if (!field(binding, key).empty()) return true;
    }
    return false;
}

// The names a binding table shows for ids: roles always (one list), agents and credentials
// only when some binding names one, so a plain list costs two requests.
struct BindingNames {
    NameIndex roles, agents, credentials;

    BindingNames(const Api& api, const std::vector<Json>& bindings) {
        roles = names_of(api.list_all("/roles", "list roles"));
        if (any_has(bindings, "agent_id")) agents = names_of(api.list_all("/agents", "list agents"));
        if (any_has(bindings, "credential_id"))
            credentials = names_of(api.list_all("/credentials", "list credentials"));
    }

    static std::string name_or_id(const NameIndex& index, const std::string& id) {
        const auto it = index.find(id);
        return it == index.end() || it->second.empty() ? id : it->second;
    }

    // "credential/gh → agent/reviewer", "agent/reviewer", "project/p", "session/<id>".
    std::string target(const Json& binding) const {
        const auto project = field(binding, "project_id");
        const auto agent = field(binding, "agent_id");
        std::string holder;
        if (!agent.empty())
            holder = "agent/" + name_or_id(agents, agent);
        else if (!project.empty())
            holder = "project/" + project;
        const auto credential = field(binding, "credential_id");
        if (!credential.empty()) {
            const auto object = "credential/" + name_or_id(credentials, credential);
            return holder.empty() ? object : object + " → " + holder;
        }
        const auto session = field(binding, "session_id");
        return session.empty() ? holder : "session/" + session;
    }
};

void add_list(CLI::App& group, Context& ctx) {
    struct Options {
        std::string output;
        int limit = 100;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("list", "List the role bindings you can see");
    add_output_flag(*cmd, o->output);
    add_limit_flag(*cmd, o->limit);
    cmd->callback([o, &ctx] {
        const auto format = parse_format(o->output);
        const auto list = ctx.api().get("/role_bindings?" + first_page_query(o->limit), "list role bindings");
        const auto items = list.value("items", Json::array());
        const std::vector<Json> bindings(items.begin(), items.end());
        const auto& kind = *find_kind("role-binding");
        if (format != Format::Table && format != Format::Wide)
            return print_objects(std::cout, format, kind.name, kind.columns, kind.wide, bindings, list);
        const BindingNames names(ctx.api(), bindings);
        const Column role{"ROLE", 30,
                          [&](const Json& b) { return names.name_or_id(names.roles, field(b, "role_id")); }};
        const std::vector<Column> columns = {field_column("ID", 27, "id"), field_column("USER", 20, "user_id"), role,
                                             field_column("SCOPE", 10, "scope"),
                                             Column{"TARGET", 50, [&](const Json& b) { return names.target(b); }}};
        auto wide = kind.wide;
        for (auto& column : wide) {
            if (column.header == "ROLE") column = role;
        }
        print_objects(std::cout, format, kind.name, columns, wide, bindings, list);
    });
}

// Upstream's confirmation: one word from stdin, "y" to go on.
bool confirmed(const std::string& what) {
    std::cout << "Delete " << what << "? [y/N]: " << std::flush;
    std::string answer;
    if (!(std::cin >> answer)) {
        std::cout << '\n';
        throw usage_error("interactive confirmation required; use --yes/-y to skip");
    }
    return answer == "y" || answer == "Y";
}

void add_delete(CLI::App& group, Context& ctx) {
    struct Options {
        std::string id;
        bool yes = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("delete", "Delete a role binding");
    cmd->add_option("id", o->id, "The binding's id")->required();
    cmd->add_flag("-y,--yes", o->yes, "Do not ask for confirmation");
    cmd->callback([o, &ctx] {
        const auto what = "role-binding/" + o->id;
        if (!o->yes && !confirmed(what)) {
            std::cout << "Aborted.\n";
            return;
        }
        ctx.api().del("/role_bindings/" + escape(o->id), "delete role binding \"" + o->id + "\"");
        std::cout << what << " deleted\n";
    });
}

}  // namespace

void register_role_binding(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("role-binding", "Manage role bindings");
    group->alias("rolebinding");
    group->alias("rb");
    group->require_subcommand(1);
    add_create(*group, ctx);
    add_list(*group, ctx);
    add_delete(*group, ctx);
}

}  // namespace ambient::cli
