// create, delete, patch, start, stop: the commands that change objects. Each prints
// upstream's kubectl-style line (`session/<id> created`) or, with -o json|yaml, the object.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/cmd_create.hpp"
#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/manifest_delete.hpp"
#include "cli/object_ref.hpp"
#include "cli/resolve.hpp"

namespace ambient::cli {
namespace {

std::string quoted(const std::string& text) {
    return "\"" + text + "\"";
}

// Asks on stdout and reads one line; only y or Y agrees. No stdin at all (EOF) is an error,
// so a script without -y fails instead of deleting or silently doing nothing.
bool confirmed(const std::string& question) {
    std::cout << question << " [y/N]: " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) throw usage_error("interactive confirmation required; use --yes/-y to skip");
    const auto first = answer.find_first_not_of(" \t\r");
    const auto last = answer.find_last_not_of(" \t\r");
    answer = first == std::string::npos ? "" : answer.substr(first, last - first + 1);
    return answer == "y" || answer == "Y";
}

// ---- delete ----

struct DeleteOptions {
    std::string kind;
    std::string name;
    std::string project_id;
    std::vector<std::string> files;
    bool yes = false;
    bool all = false;
    bool dry_run = false;
};

bool is_live(const Json& session) {
    const auto phase = session.value("phase", "");
    return phase == "Pending" || phase == "Creating" || phase == "Running";
}

// Upstream HEAD's `delete sessions --all`: live sessions are stopped first so no runner is
// left working for a session that no longer exists.
void delete_all_sessions(Context& ctx, const DeleteOptions& o) {
    const auto api = api_for(ctx, o.project_id);
    const auto sessions = api.list_all("/sessions", "list sessions");
    const auto project = api.options().project;
    const auto scope = project.empty() ? std::string() : " in project " + quoted(project);
    if (!o.yes && !confirmed("Delete all " + std::to_string(sessions.size()) + " sessions" + scope + "?")) {
        std::cout << "Aborted.\n";
        return;
    }
    int stopped = 0;
    for (const auto& session : sessions) {
        if (!is_live(session)) continue;
        const auto id = session.value("id", "");
        api.post("/sessions/" + escape(id) + "/stop", Json::object(), "stop session " + quoted(id), {200});
        ++stopped;
    }
    for (const auto& session : sessions) {
        const auto id = session.value("id", "");
        api.del("/sessions/" + escape(id), "delete session " + quoted(id));
    }
    std::cout << sessions.size() << " sessions deleted (" << stopped << " stopped first)\n";
}

void run_delete(Context& ctx, const DeleteOptions& o) {
    if (!o.files.empty()) {
        if (!o.kind.empty() || o.all) throw usage_error("-f takes no kind, name or --all");
        delete_from_manifests(ctx, o.files, o.project_id, o.dry_run);
        return;
    }
    if (o.dry_run) throw usage_error("--dry-run applies to -f only");
    if (o.kind.empty()) throw usage_error("delete needs a kind and a name, a kind and --all, or -f FILE");
    const auto& kind = require_kind(o.kind);
    if (o.all) {
        if (kind.collection != "sessions")
            throw usage_error("--all is only supported for sessions, not " + kind.plural);
        if (!o.name.empty()) throw usage_error("--all deletes every session; leave out the name " + quoted(o.name));
        return delete_all_sessions(ctx, o);
    }
    if (o.name.empty()) throw usage_error("delete " + kind.name + " needs a name or id (or --all for sessions)");
    const auto what = kind.name + "/" + o.name;
    if (!o.yes && !confirmed("Delete " + what + "?")) {
        std::cout << "Aborted.\n";
        return;
    }
    const auto path = find_object_path(ctx, kind, o.name, o.project_id);
    api_for(ctx, o.project_id).del(path, "delete " + kind.name + " " + quoted(o.name));
    std::cout << what << " deleted\n";
}

void add_delete(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<DeleteOptions>();
    auto* cmd = app.add_subcommand("delete", "Delete an object, every session (--all), or what manifests describe");
    cmd->add_option("kind", o->kind, "Kind: " + kind_names());
    cmd->add_option("name", o->name, "Name or id");
    cmd->add_flag("-y,--yes", o->yes, "Do not ask for confirmation");
    cmd->add_flag("-A,--all", o->all, "Every session of the project (sessions only; live ones are stopped first)");
    cmd->add_option("-f,--filename", o->files, "Manifest file, directory, or - for stdin");
    cmd->add_flag("--dry-run", o->dry_run, "With -f: print what would be deleted");
    cmd->add_option("--project-id", o->project_id, "Project (default: the current project)");
    cmd->callback([o, &ctx] { run_delete(ctx, *o); });
}

// ---- patch ----

struct PatchOptions {
    std::string kind;
    std::string name;
    std::string patch;
    std::string patch_file;
    std::string output;
    std::string project_id;
};

std::string read_text(const std::string& path, const std::string& flag) {
    if (path == "-") {
        std::stringstream s;
        s << std::cin.rdbuf();
        return s.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error("cannot read " + flag + " " + quoted(path));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Json patch_body(const PatchOptions& o) {
    if (o.patch.empty() == o.patch_file.empty()) throw usage_error("give the patch with one of -p or --patch-file");
    const auto from = o.patch.empty() ? "--patch-file " + quoted(o.patch_file) : std::string("-p/--patch");
    const auto text = o.patch.empty() ? read_text(o.patch_file, "--patch-file") : o.patch;
    auto body = Json::parse(text, nullptr, false);
    if (!body.is_object()) throw usage_error(from + " must be a JSON object, such as '{\"description\":\"x\"}'");
    return body;
}

void run_patch(Context& ctx, const PatchOptions& o) {
    const auto& kind = require_kind(o.kind);
    const auto format = parse_format(o.output);
    const auto body = patch_body(o);
    const auto path = find_object_path(ctx, kind, o.name, o.project_id);
    const auto updated = api_for(ctx, o.project_id).patch(path, body, "patch " + kind.name + " " + quoted(o.name));
    print_result(format, updated, kind.name + "/" + updated.value("id", o.name) + " patched");
}

void add_patch(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<PatchOptions>();
    auto* cmd = app.add_subcommand("patch", "Change fields of an object with a JSON merge of the given fields");
    cmd->add_option("kind", o->kind, "Kind: " + kind_names())->required();
    cmd->add_option("name", o->name, "Name or id")->required();
    cmd->add_option("-p,--patch", o->patch, "The fields to change, a JSON object");
    cmd->add_option("--patch-file", o->patch_file, "A file holding the JSON object (- for stdin)");
    cmd->add_option("-o,--output", o->output, "Print the object: json or yaml");
    cmd->add_option("--project-id", o->project_id, "Project of an agent (default: the current project)");
    cmd->callback([o, &ctx] { run_patch(ctx, *o); });
}

// ---- start, stop ----

struct RunOptions {
    std::string name;
    std::string project_id;
    std::string prompt;
    std::string output;
};

void print_session(Format format, const Json& session, const std::string& verb) {
    print_result(format, session,
                 "session/" + session.value("id", "") + " " + verb + " (phase: " + session.value("phase", "") + ")");
}

void start_session(Context& ctx, const RunOptions& o, Format format) {
    if (!o.prompt.empty())
        std::cerr << "Warning: --prompt is not applicable when starting a session and will be ignored\n";
    const auto session =
        api_for(ctx, o.project_id)
            .post("/sessions/" + escape(o.name) + "/start", Json::object(), "start session " + quoted(o.name), {200});
    print_session(format, session, "started");
}

// An agent of the project by name or id; an argument no agent answers to that has the shape
// of an id is taken for a session (upstream's README: `acpctl start <session-id>`).
void run_start(Context& ctx, const RunOptions& o) {
    const auto format = parse_format(o.output);
    const auto project = o.project_id.empty() ? ctx.project() : o.project_id;
    if (project.empty() && looks_like_id(o.name)) return start_session(ctx, o, format);
    const auto api = api_for(ctx, o.project_id);
    Json agent;
    try {
        agent = resolve_agent(api, ctx.require_project(o.project_id), o.name);
    } catch (const CliError& e) {
        if (e.exit_code() == kExitNotFound && looks_like_id(o.name)) return start_session(ctx, o, format);
        throw;
    }
    Json body = Json::object();
    if (!o.prompt.empty()) body["prompt"] = o.prompt;
    const auto id = agent.value("id", "");
    const auto response = api.post("/projects/" + escape(project) + "/agents/" + escape(id) + "/start", body,
                                   "start agent " + quoted(o.name), {200, 201});
    const auto it = response.find("session");
    if (it == response.end() || !it->is_object()) {
        print_result(format, response, "agent/" + id + " started");
        return;
    }
    print_session(format, *it, "started");
}

void run_stop(Context& ctx, const RunOptions& o) {
    const auto format = parse_format(o.output);
    const auto& kind = require_kind("session");
    // An id is stopped as given (upstream's request and error line); a name is looked up.
    const auto path = looks_like_id(o.name) ? "/sessions/" + escape(o.name) : find_object_path(ctx, kind, o.name, {});
    const auto session =
        api_for(ctx, o.project_id).post(path + "/stop", Json::object(), "stop session " + quoted(o.name), {200});
    print_session(format, session, "stopped");
}

void add_start_stop(CLI::App& app, Context& ctx) {
    auto start = std::make_shared<RunOptions>();
    auto* cmd = app.add_subcommand("start", "Start an agent (a new session, or its active one) or a stopped session");
    cmd->add_option("name", start->name, "Agent name or id, or a session id")->required();
    cmd->add_option("--project-id", start->project_id, "Project of the agent (default: the current project)");
    cmd->add_option("--prompt", start->prompt, "The task for this run");
    cmd->add_option("-o,--output", start->output, "Print the session: json or yaml");
    cmd->callback([start, &ctx] { run_start(ctx, *start); });

    auto stop = std::make_shared<RunOptions>();
    cmd = app.add_subcommand("stop", "Stop a session");
    cmd->add_option("session", stop->name, "Session id (or name)")->required();
    cmd->add_option("--project-id", stop->project_id, "Project (default: the current project)");
    cmd->add_option("-o,--output", stop->output, "Print the session: json or yaml");
    cmd->callback([stop, &ctx] { run_stop(ctx, *stop); });
}

}  // namespace

void register_write(CLI::App& app, Context& ctx) {
    add_create(app, ctx);
    add_delete(app, ctx);
    add_patch(app, ctx);
    add_start_stop(app, ctx);
}

}  // namespace ambient::cli
