// get, describe: reading objects. `get` lists a kind (one page, or every page), shows one
// object, or follows the kind's watch stream; `describe` prints one object whole.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/object_ref.hpp"
#include "cli/resolve.hpp"
#include "cli/watch.hpp"

namespace ambient::cli {
namespace {

// The server's largest page.
constexpr int kMaxPageSize = 65500;

struct GetOptions {
    std::string kind;
    std::string name;
    std::string output;
    std::string search;
    std::string project_id;
    std::string project_agent;
    std::string watch_timeout = "30m";
    int limit = 100;
    bool all_pages = false;
    bool watch = false;
};

int page_size(int limit) {
    if (limit < 1) throw usage_error("--limit must be at least 1, not " + std::to_string(limit));
    return std::min(limit, kMaxPageSize);
}

std::string page_query(int page, int size, const std::string& search) {
    auto query = "?page=" + std::to_string(page) + "&size=" + std::to_string(size);
    if (!search.empty()) query += "&search=" + escape(search);
    return query;
}

// The server's list object; with --all-pages, every page's items in one such object (its
// size then counts them all).
Json fetch_list(const Api& api, const std::string& path, const GetOptions& o, const std::string& context) {
    const auto size = page_size(o.limit);
    auto list = api.get(path + page_query(1, size, o.search), context);
    if (!o.all_pages) return list;
    auto& items = list["items"];
    const auto total = list.value("total", 0L);
    for (int page = 2; static_cast<long>(items.size()) < total; ++page) {
        const auto next = api.get(path + page_query(page, size, o.search), context);
        const auto& more = next.value("items", Json::array());
        if (more.empty()) break;
        items.insert(items.end(), more.begin(), more.end());
    }
    list["size"] = items.size();
    return list;
}

// Sessions, or with --project-agent the sessions of that agent.
std::string list_path(Context& ctx, const KindInfo& kind, const GetOptions& o) {
    if (o.project_agent.empty()) return collection_path(ctx, kind, o.project_id);
    if (kind.collection != "sessions") throw usage_error("--project-agent lists sessions only, not " + kind.plural);
    const auto project = ctx.require_project(o.project_id);
    const auto agent = resolve_agent(api_for(ctx, o.project_id), project, o.project_agent);
    return "/projects/" + escape(project) + "/agents/" + escape(agent.value("id", "")) + "/sessions";
}

void run_watch(Context& ctx, const KindInfo& kind, const GetOptions& o, Format format) {
    if (!o.name.empty()) throw usage_error("--watch follows a whole kind; leave out the name \"" + o.name + "\"");
    if (!o.search.empty()) throw usage_error("--search cannot be used with --watch");
    if (!o.project_agent.empty()) throw usage_error("--project-agent cannot be used with --watch");
    if (format != Format::Table && format != Format::Wide && format != Format::Json)
        throw usage_error("--watch prints -o table, wide or json");
    WatchOptions options;
    options.path = collection_path(ctx, kind, o.project_id);
    options.plural = kind.plural;
    options.columns = format == Format::Wide && !kind.wide.empty() ? kind.wide : kind.columns;
    options.json_lines = format == Format::Json;
    options.timeout = parse_duration(o.watch_timeout, "--watch-timeout");
    options.idle_timeout = ctx.stream_idle_timeout(options.idle_timeout);
    watch(api_for(ctx, o.project_id), options, std::cout);
}

void run_get(Context& ctx, const GetOptions& o) {
    const auto& kind = require_kind(o.kind);
    const auto format = parse_format(o.output);
    if (o.watch) return run_watch(ctx, kind, o, format);
    if (!o.name.empty()) {
        if (!o.project_agent.empty()) throw usage_error("--project-agent lists sessions; leave out the name");
        const auto found = find_object(ctx, kind, o.name, o.project_id);
        print_objects(std::cout, format, kind.name, kind.columns, kind.wide, {found.object}, Json());
        return;
    }
    const auto list = fetch_list(api_for(ctx, o.project_id), list_path(ctx, kind, o), o, "list " + kind.plural);
    const auto& items = list.value("items", Json::array());
    print_objects(std::cout, format, kind.name, kind.columns, kind.wide, {items.begin(), items.end()}, list);
}

void run_describe(Context& ctx, const std::string& kind_word, const std::string& name, const std::string& output,
                  const std::string& project_id) {
    const auto& kind = require_kind(kind_word);
    const auto format = output.empty() ? Format::Json : parse_format(output);
    if (format != Format::Json && format != Format::Yaml) throw usage_error("describe prints -o json or yaml");
    const auto found = find_object(ctx, kind, name, project_id);
    if (format == Format::Yaml)
        print_yaml(std::cout, found.object);
    else
        print_json(std::cout, found.object);
}

void add_get(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<GetOptions>();
    auto* cmd = app.add_subcommand("get", "List objects of a kind, show one, or watch their changes");
    cmd->add_option("kind", o->kind, "Kind: " + kind_names())->required();
    cmd->add_option("name", o->name, "Name or id of one object");
    cmd->add_option("-o,--output", o->output, "Output format: table, wide, json, yaml, name");
    cmd->add_option("--limit", o->limit, "Page size (default 100)");
    cmd->add_option("--search", o->search, "Filter in the server's search language, e.g. \"name like 'a%'\"");
    cmd->add_flag("--all-pages", o->all_pages, "Fetch every page, --limit objects at a time");
    cmd->add_flag("-w,--watch", o->watch, "Print the objects, then one row per change, until --watch-timeout");
    cmd->add_option("--watch-timeout", o->watch_timeout, "How long -w runs (default 30m)");
    cmd->add_option("--project-id", o->project_id, "Project (default: the current project)");
    cmd->add_option("--project-agent", o->project_agent, "List the sessions of this agent (name or id)");
    cmd->callback([o, &ctx] { run_get(ctx, *o); });
}

void add_describe(CLI::App& app, Context& ctx) {
    struct Options {
        std::string kind, name, output, project_id;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("describe", "Print one object in full (JSON, or YAML with -o yaml)");
    cmd->add_option("kind", o->kind, "Kind: " + kind_names())->required();
    cmd->add_option("name", o->name, "Name or id")->required();
    cmd->add_option("-o,--output", o->output, "Output format: json (default) or yaml");
    cmd->add_option("--project-id", o->project_id, "Project of an agent (default: the current project)");
    cmd->callback([o, &ctx] { run_describe(ctx, o->kind, o->name, o->output, o->project_id); });
}

}  // namespace

void register_get(CLI::App& app, Context& ctx) {
    add_get(app, ctx);
    add_describe(app, ctx);
}

}  // namespace ambient::cli
