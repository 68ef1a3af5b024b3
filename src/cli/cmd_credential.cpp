// acpctl credential …, and the top-level grant: the secrets agents use.
//   create                  POST   /credentials   (or /projects/{p}/credentials with --project-id)
//   list                    GET    /credentials   (or /projects/{p}/credentials)
//   get <cred>              GET    /credentials/{id}
//   update <cred>           PATCH  /credentials/{id}   (the flags given only)
//   rotate <cred>           PATCH  /credentials/{id}   {token} read from a file or stdin
//   delete <cred>           DELETE /credentials/{id}   (--confirm)
//   token <cred>            GET    /credentials/{id}/token
//   bind <cred>, grant <cred>
//                           POST   /role_bindings {credential:token-reader, scope credential,
//                                  credential_id, project_id[, agent_id]}
// A token never has to be on the command line: --token-file FILE, or --token-file - for stdin.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/group_support.hpp"
#include "cli/kinds.hpp"
#include "cli/resolve.hpp"
#include "cli/token_input.hpp"

namespace ambient::cli {
namespace {

// The role that lets the sessions of a project or agent read a credential's token (through
// their runner tokens): what GET /sessions/{id}/credentials lists. The server takes
// upstream's credential:viewer (--role) for the same grant.
constexpr const char* kGrantRole = "credential:token-reader";

std::string credential_path(const Json& credential) {
    return "/credentials/" + escape(field(credential, "id"));
}

void print_credentials(const std::string& output, const std::vector<Json>& credentials, const Json& list) {
    const auto& kind = *find_kind("credential");
    print_objects(std::cout, parse_format(output), kind.name, kind.columns, kind.wide, credentials, list);
}

// --token-file and the deprecated --token on a command.
struct TokenFlags {
    std::string file, value;
    CLI::Option* file_option = nullptr;
    CLI::Option* value_option = nullptr;

    void add_to(CLI::App& command) {
        file_option = command.add_option("--token-file", file, "Read the token from FILE (- for stdin)");
        value_option =
            command.add_option("--token", value, "The token itself (visible to other users; prefer --token-file)");
    }
    TokenChoice choice() const {
        return choose_token(file, file_option->count() > 0, value, value_option->count() > 0);
    }
};

void add_credential_fields(CLI::App& command, BodyFlags& fields) {
    fields.add(command, "description", "description", "What the credential is for");
    fields.add(command, "url", "url", "The service it opens (https://github.com, …)");
    fields.add(command, "email", "email", "The account's email");
    fields.add(command, "labels", "labels", "Labels, as a JSON object");
    fields.add(command, "annotations", "annotations", "Annotations, as a JSON object");
}

void add_create(CLI::App& group, Context& ctx) {
    struct Options {
        std::string name, provider, project, output;
        BodyFlags fields;
        TokenFlags token;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("create", "Create a credential");
    cmd->add_option("--name", o->name, "Name of the credential")->required();
    cmd->add_option("--provider", o->provider, "github, gitlab, jira, google, vertex, kubeconfig, …")->required();
    cmd->add_option("--project-id", o->project, "Make it a credential of this project");
    add_credential_fields(*cmd, o->fields);
    o->token.add_to(*cmd);
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        auto body = o->fields.body();
        body["name"] = o->name;
        body["provider"] = o->provider;
        if (const auto token = o->token.choice(); token.given) body["token"] = token.token;
        const auto path =
            o->project.empty() ? std::string("/credentials") : "/projects/" + escape(o->project) + "/credentials";
        const auto created = ctx.api().post(path, body, "create credential \"" + o->name + "\"");
        print_written(o->output, "credential", created, "credential/" + o->name + " created");
    });
}

void add_list(CLI::App& group, Context& ctx) {
    struct Options {
        std::string provider, project, output;
        int limit = 100;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("list", "List the credentials you can see");
    cmd->add_option("--provider", o->provider, "Only this provider's");
    cmd->add_option("--project-id", o->project, "Only this project's");
    add_output_flag(*cmd, o->output);
    add_limit_flag(*cmd, o->limit);
    cmd->callback([o, &ctx] {
        auto path =
            o->project.empty() ? std::string("/credentials") : "/projects/" + escape(o->project) + "/credentials";
        path += "?" + first_page_query(o->limit);
        if (!o->provider.empty()) path += "&" + search_equals("provider", o->provider);
        const auto list = ctx.api().get(path, "list credentials");
        const auto items = list.value("items", Json::array());
        print_credentials(o->output, {items.begin(), items.end()}, list);
    });
}

void add_get(CLI::App& group, Context& ctx) {
    struct Options {
        std::string credential, output;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("get", "Show a credential (never its token)");
    cmd->add_option("id-or-name", o->credential, "The credential's id or name")->required();
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] { print_credentials(o->output, {resolve_credential(ctx.api(), o->credential)}, Json()); });
}

void add_update(CLI::App& group, Context& ctx) {
    struct Options {
        std::string credential, output;
        BodyFlags fields;
        TokenFlags token;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("update", "Change a credential's fields (only the flags given)");
    cmd->add_option("id-or-name", o->credential, "The credential's id or name")->required();
    o->fields.add(*cmd, "name", "name", "New name");
    add_credential_fields(*cmd, o->fields);
    o->token.add_to(*cmd);
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        auto body = o->fields.body();
        if (const auto token = o->token.choice(); token.given) body["token"] = token.token;
        if (body.empty())
            throw usage_error("nothing to update; give one of " + o->fields.flag_names() + ", --token-file");
        const auto found = resolve_credential(ctx.api(), o->credential);
        const auto updated =
            ctx.api().patch(credential_path(found), body, "update credential \"" + o->credential + "\"");
        print_written(o->output, "credential", updated, "credential/" + field(updated, "name") + " updated");
    });
}

void add_rotate(CLI::App& group, Context& ctx) {
    struct Options {
        std::string credential, token_file = "-";
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("rotate", "Replace a credential's token with one read from a file or stdin");
    cmd->add_option("id-or-name", o->credential, "The credential's id or name")->required();
    cmd->add_option("--token-file", o->token_file, "Read the new token from FILE (default -: stdin)");
    cmd->callback([o, &ctx] {
        const auto token = read_secret(o->token_file);
        // An empty token would clear the stored one: that is `update --token-file /dev/null`'s
        // job, not a rotation's.
        if (token.empty()) throw usage_error("the new token is empty");
        const auto found = resolve_credential(ctx.api(), o->credential);
        const auto rotated = ctx.api().patch(credential_path(found), Json{{"token", token}},
                                             "rotate credential \"" + o->credential + "\"");
        std::cout << "credential/" << field(rotated, "name") << " rotated\n";
    });
}

void add_delete(CLI::App& group, Context& ctx) {
    struct Options {
        std::string credential;
        bool confirm = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("delete", "Delete a credential, its token and its grants");
    cmd->add_option("id-or-name", o->credential, "The credential's id or name")->required();
    cmd->add_flag("--confirm", o->confirm, "Confirm the deletion");
    cmd->callback([o, &ctx] {
        if (!o->confirm) throw usage_error("add --confirm to delete credential/" + o->credential);
        const auto found = resolve_credential(ctx.api(), o->credential);
        ctx.api().del(credential_path(found), "delete credential \"" + o->credential + "\"");
        std::cout << "credential/" << o->credential << " deleted\n";
    });
}

void add_token(CLI::App& group, Context& ctx) {
    struct Options {
        std::string credential, output;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group.add_subcommand("token", "Print a credential's token (the read is audited)");
    cmd->add_option("id-or-name", o->credential, "The credential's id or name")->required();
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        const auto found = resolve_credential(ctx.api(), o->credential);
        const auto token =
            ctx.api().get(credential_path(found) + "/token", "read the token of credential \"" + o->credential + "\"");
        const auto format = parse_format(o->output);
        if (format == Format::Json) return print_json(std::cout, token);
        if (format == Format::Yaml) return print_yaml(std::cout, token);
        std::cout << field(token, "token") << '\n';
    });
}

// What bind and grant share: the credential, where it goes and the role.
struct GrantOptions {
    std::string credential, project, agent, role = kGrantRole;

    void add_to(CLI::App& command) {
        command.add_option("credential", credential, "The credential's name or id")->required();
        command.add_option("--project", project, "Project whose sessions may use it (default: the current project)");
        command.add_option("--agent", agent, "Only this agent's sessions (name or id, in --project)");
        command.add_option("--role", role, "Role of the grant (name or id)")->default_str(kGrantRole);
    }
};

struct Grant {
    std::string credential_name;
    std::string target;  // "project/<p>" or "agent/<name>"
    bool created = false;
};

// Binds the role on the credential to the project or agent; an existing identical binding
// (409) is the grant already made, not an error.
Grant grant_credential(Context& ctx, const GrantOptions& o) {
    const auto project = ctx.require_project(o.project, "--project");
    const auto& api = ctx.api();
    const auto credential = resolve_credential(api, o.credential);
    Json binding = {{"role_id", resolve_role_id(api, o.role)},
                    {"scope", "credential"},
                    {"credential_id", field(credential, "id")},
                    {"project_id", project}};
    Grant grant{field(credential, "name"), "project/" + project};
    if (!o.agent.empty()) {
        const auto agent = resolve_agent(api, project, o.agent);
        binding["agent_id"] = field(agent, "id");
        grant.target = "agent/" + field(agent, "name");
    }
    const auto response = api.request("POST", "/role_bindings", binding.dump());
    if (response.status != 201 && response.status != 409)
        Api::fail(response, "grant credential \"" + o.credential + "\" to " + grant.target);
    grant.created = response.status == 201;
    return grant;
}

void add_bind(CLI::App& group, Context& ctx) {
    auto o = std::make_shared<GrantOptions>();
    auto* cmd = group.add_subcommand("bind", "Let a project's (or an agent's) sessions use a credential");
    o->add_to(*cmd);
    cmd->callback([o, &ctx] {
        const auto grant = grant_credential(ctx, *o);
        std::cout << "credential/" << grant.credential_name << (grant.created ? " bound to " : " already bound to ")
                  << grant.target << '\n';
    });
}

}  // namespace

void register_credential(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("credential", "Manage credentials (tokens agents use)");
    group->require_subcommand(1);
    add_create(*group, ctx);
    add_list(*group, ctx);
    add_get(*group, ctx);
    add_update(*group, ctx);
    add_rotate(*group, ctx);
    add_delete(*group, ctx);
    add_token(*group, ctx);
    add_bind(*group, ctx);

    auto grant_options = std::make_shared<GrantOptions>();
    auto* grant = app.add_subcommand("grant", "Grant a credential to a project or an agent, in one command");
    grant_options->add_to(*grant);
    grant->callback([grant_options, &ctx] {
        const auto grant = grant_credential(ctx, *grant_options);
        if (grant.created)
            std::cout << "credential/" << grant.credential_name << " granted to " << grant.target << " (role "
                      << grant_options->role << ")\n";
        else
            std::cout << "credential/" << grant.credential_name << " already granted to " << grant.target << '\n';
    });
}

}  // namespace ambient::cli
