#include "cli/cmd_create.hpp"

#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "cli/errors.hpp"
#include "cli/object_ref.hpp"
#include "cli/resolve.hpp"

namespace ambient::cli {
namespace {

struct CreateOptions {
    std::string kind;
    std::string output;
    Format format = Format::Table;
    std::map<std::string, std::string> text;  // "--name" → its value, for every text flag
    long max_tokens = 0;
    double temperature = 0;
    long timeout = 0;
    std::vector<std::pair<std::string, const CLI::Option*>> flags;  // every flag, in help order

    const std::string& operator[](const std::string& flag) const { return text.at(flag); }
    bool given(const std::string& flag) const {
        for (const auto& [name, option] : flags) {
            if (name == flag) return option->count() > 0;
        }
        return false;
    }
    const std::string& required(const std::string& flag) const {
        if (text.at(flag).empty()) throw usage_error(flag + " is required");
        return text.at(flag);
    }
};

std::string quoted(const std::string& text) {
    return "\"" + text + "\"";
}

// Upstream's bodies leave out empty values (Go's omitempty); so do ours.
void put(Json& body, const std::string& key, const std::string& value) {
    if (!value.empty()) body[key] = value;
}

void put_llm(Json& body, const CreateOptions& o) {
    put(body, "llm_model", o["--model"]);
    if (o.given("--max-tokens")) body["llm_max_tokens"] = o.max_tokens;
    if (o.given("--temperature")) body["llm_temperature"] = o.temperature;
}

// The token of a credential comes from a file or stdin, never from the command line, where
// `ps` and shell history would keep it. One trailing line break (an editor's) is dropped.
std::string read_token(const std::string& path) {
    std::stringstream text;
    if (path == "-") {
        text << std::cin.rdbuf();
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw usage_error("cannot read --token-file " + quoted(path));
        text << in.rdbuf();
    }
    auto token = text.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
        token.pop_back();
    if (token.empty()) throw usage_error("--token-file " + quoted(path) + " holds no token");
    return token;
}

Json create_session(Context& ctx, const CreateOptions& o) {
    const auto& name = o.required("--name");
    const auto project = ctx.require_project(o["--project-id"]);
    const auto api = api_for(ctx, o["--project-id"]);
    Json body{{"name", name}, {"project_id", project}};
    put(body, "prompt", o["--prompt"]);
    put(body, "repo_url", o["--repo-url"]);
    put_llm(body, o);
    if (o.given("--timeout")) body["timeout"] = o.timeout;
    if (!o["--agent-id"].empty()) body["agent_id"] = resolve_agent(api, project, o["--agent-id"]).value("id", "");
    return api.post("/sessions", body, "create session " + quoted(name));
}

// A new project becomes the current one, as upstream does.
Json create_project(Context& ctx, const CreateOptions& o) {
    const auto& name = o.required("--name");
    Json body{{"name", name}};
    put(body, "description", o["--description"]);
    put(body, "prompt", o["--prompt"]);
    const auto project = ctx.api().post("/projects", body, "create project " + quoted(name));
    ctx.config().project = name;
    ctx.save_config();
    // With -o json|yaml stdout holds only the object, for jq.
    const bool object_output = o.format == Format::Json || o.format == Format::Yaml;
    (object_output ? std::cerr : std::cout) << "Switched to project " << quoted(name) << "\n";
    return project;
}

Json create_agent(Context& ctx, const CreateOptions& o) {
    const auto& name = o.required("--name");
    const auto project = ctx.require_project(o["--project-id"]);
    Json body{{"name", name}};
    put(body, "prompt", o["--prompt"]);
    put(body, "display_name", o["--display-name"]);
    put(body, "description", o["--description"]);
    put(body, "repo_url", o["--repo-url"]);
    put_llm(body, o);
    return api_for(ctx, o["--project-id"])
        .post("/projects/" + escape(project) + "/agents", body, "create agent " + quoted(name));
}

Json create_role(Context& ctx, const CreateOptions& o) {
    const auto& name = o.required("--name");
    Json body{{"name", name}};
    put(body, "display_name", o["--display-name"]);
    put(body, "description", o["--description"]);
    put(body, "permissions", o["--permissions"]);
    return ctx.api().post("/roles", body, "create role " + quoted(name));
}

Json create_credential(Context& ctx, const CreateOptions& o) {
    const auto& name = o.required("--name");
    Json body{{"name", name}, {"provider", o.required("--provider")}};
    put(body, "description", o["--description"]);
    put(body, "url", o["--url"]);
    put(body, "email", o["--email"]);
    put(body, "project_id", o["--project-id"]);
    if (!o["--token-file"].empty()) body["token"] = read_token(o["--token-file"]);
    return ctx.api().post("/credentials", body, "create credential " + quoted(name));
}

// Sets `key` from --scope-id (resolved by `resolve`) or, failing that, the value already in
// the body from its -fk flag; the scope needs it.
void scope_target(Json& body, const std::string& key, const CreateOptions& o, const std::string& scope,
                  const std::function<std::string(const std::string&)>& resolve) {
    if (!o["--scope-id"].empty()) body[key] = resolve(o["--scope-id"]);
    if (!body.contains(key)) throw usage_error("scope " + scope + " needs --scope-id (the " + key + ")");
}

// Upstream HEAD's form: --scope-id names the scope's target, the -fk flags set ids directly
// (a credential granted to a project: --scope credential --scope-id C --project-id-fk P).
Json create_role_binding(Context& ctx, const CreateOptions& o) {
    const auto& api = ctx.api();
    const auto& scope = o.required("--scope");
    Json body{{"role_id", resolve_role_id(api, o.required("--role-id"))}, {"scope", scope}};
    put(body, "user_id", o["--user-id"]);
    put(body, "project_id", o["--project-id-fk"]);
    put(body, "agent_id", o["--agent-id-fk"]);
    put(body, "session_id", o["--session-id-fk"]);
    put(body, "credential_id", o["--credential-id-fk"]);
    const auto as_given = [](const std::string& id) { return id; };
    if (scope == "global") {
        if (!o["--scope-id"].empty()) throw usage_error("scope global takes no --scope-id");
    } else if (scope == "project") {
        if (!body.contains("project_id")) put(body, "project_id", o["--project-id"]);
        scope_target(body, "project_id", o, scope, as_given);
    } else if (scope == "agent") {
        if (!body.contains("project_id")) body["project_id"] = ctx.require_project(o["--project-id"]);
        const auto project = body["project_id"].get<std::string>();
        if (!o["--scope-id"].empty()) body.erase("agent_id");
        scope_target(body, "agent_id", o, scope,
                     [&](const std::string& agent) { return resolve_agent(api, project, agent).value("id", ""); });
    } else if (scope == "session") {
        scope_target(body, "session_id", o, scope, as_given);
    } else if (scope == "credential") {
        scope_target(body, "credential_id", o, scope, [&](const std::string& credential) {
            return resolve_credential(api, credential).value("id", "");
        });
    } else {
        throw usage_error("unknown scope " + quoted(scope) + ": use global, project, agent, session or credential");
    }
    return api.post("/role_bindings", body, "create role-binding");
}

struct Creator {
    std::string kind;             // KindInfo::name
    std::set<std::string> flags;  // the flags that apply to it
    Json (*create)(Context&, const CreateOptions&);
};

const std::vector<Creator>& creators() {
    static const std::vector<Creator> list = {
        {"session",
         {"--name", "--prompt", "--repo-url", "--model", "--max-tokens", "--temperature", "--timeout", "--project-id",
          "--agent-id"},
         &create_session},
        {"project", {"--name", "--description", "--prompt"}, &create_project},
        {"agent",
         {"--name", "--prompt", "--display-name", "--description", "--repo-url", "--model", "--max-tokens",
          "--temperature", "--project-id"},
         &create_agent},
        {"role", {"--name", "--display-name", "--description", "--permissions"}, &create_role},
        {"role-binding",
         {"--role-id", "--user-id", "--scope", "--scope-id", "--project-id", "--project-id-fk", "--agent-id-fk",
          "--session-id-fk", "--credential-id-fk"},
         &create_role_binding},
        {"credential",
         {"--name", "--provider", "--description", "--url", "--email", "--token-file", "--project-id"},
         &create_credential},
    };
    return list;
}

const Creator& creator_for(const std::string& word) {
    std::string valid;
    for (const auto& c : creators())
        valid += (valid.empty() ? "" : ", ") + c.kind;
    const auto* kind = find_kind(word);
    for (const auto& c : creators()) {
        if (kind != nullptr && kind->name == c.kind) return c;
    }
    throw usage_error("unknown resource type " + quoted(word) + " (valid types: " + valid + ")");
}

void run_create(Context& ctx, CreateOptions& o) {
    const auto& creator = creator_for(o.kind);
    o.format = parse_format(o.output);
    for (const auto& [flag, option] : o.flags) {
        if (option->count() > 0 && !creator.flags.contains(flag))
            std::cerr << "Warning: " << flag << " is not applicable to this resource type and will be ignored\n";
    }
    const auto object = creator.create(ctx, o);
    print_result(o.format, object, creator.kind + "/" + object.value("id", "") + " created");
}

}  // namespace

void add_create(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<CreateOptions>();
    auto* cmd = app.add_subcommand("create", "Create a session, project, agent, role, role binding or credential");
    cmd->add_option("kind", o->kind, "session, project, agent, role, role-binding or credential")->required();
    const auto text = [&](const std::string& flag, const std::string& help) {
        o->flags.emplace_back(flag, cmd->add_option(flag, o->text[flag], help));
    };
    text("--name", "Name");
    text("--prompt", "Prompt (session, agent: standing instructions; project: workspace context)");
    text("--repo-url", "Repository URL (session, agent)");
    text("--model", "LLM model (session, agent)");
    o->flags.emplace_back("--max-tokens", cmd->add_option("--max-tokens", o->max_tokens, "LLM max tokens"));
    o->flags.emplace_back("--temperature", cmd->add_option("--temperature", o->temperature, "LLM temperature"));
    o->flags.emplace_back("--timeout", cmd->add_option("--timeout", o->timeout, "Session timeout in seconds"));
    text("--display-name", "Display name (agent, role)");
    text("--description", "Description (project, agent, role, credential)");
    text("--project-id", "Project (default: the current project)");
    text("--agent-id", "Agent of a session (name or id)");
    text("--owner-user-id", "Owner (set by the server to the caller; ignored)");
    text("--permissions", "Role permissions, a JSON array such as '[\"session:read\"]'");
    text("--user-id", "Role binding: the user (username)");
    text("--role-id", "Role binding: the role, by name (project:viewer) or id");
    text("--scope", "Role binding: global, project, agent, session or credential");
    text("--scope-id", "Role binding: the scope's target, by name or id");
    text("--project-id-fk", "Role binding: project_id");
    text("--agent-id-fk", "Role binding: agent_id");
    text("--session-id-fk", "Role binding: session_id");
    text("--credential-id-fk", "Role binding: credential_id");
    text("--provider", "Credential provider: github, gitlab, jira, google, vertex, kubeconfig");
    text("--url", "Credential URL");
    text("--email", "Credential email");
    text("--token-file", "Credential token: a file holding it, or - for stdin");
    cmd->add_option("-o,--output", o->output, "Print the created object: json or yaml");
    cmd->callback([o, &ctx] { run_create(ctx, *o); });
}

}  // namespace ambient::cli
