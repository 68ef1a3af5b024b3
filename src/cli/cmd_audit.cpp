// acpctl audit: the audit log of credential use and access changes, newest first.
//   audit [--search EXPR] [--limit N] [--all-pages]     GET /audit_events
// Platform admins only; anyone else gets the server's 403 (exit 3).
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/group_support.hpp"

namespace ambient::cli {
namespace {

// "2026-11-28T14:55:00.123456Z" → "2026-11-28 14:55:00": the second is enough to read a log.
std::string event_time(const Json& event) {
    auto time = field(event, "created_at");
    if (time.size() >= 19) {
        time.resize(19);
        time[10] = ' ';
    }
    return time;
}

std::string event_target(const Json& event) {
    const auto kind = field(event, "target_kind");
    const auto id = field(event, "target_id");
    if (kind.empty()) return id;
    return id.empty() ? kind : kind + "/" + id;
}

std::vector<Column> audit_columns(bool wide) {
    std::vector<Column> columns;
    if (wide) columns.push_back(field_column("ID", 27, "id"));
    columns.push_back(Column{"TIME", 19, event_time});
    columns.push_back(field_column("PRINCIPAL", 24, "actor"));
    if (wide) columns.push_back(field_column("KIND", 8, "actor_kind"));
    columns.push_back(field_column("ACTION", 12, "action"));
    columns.push_back(Column{"TARGET", 40, event_target});
    columns.push_back(field_column("OUTCOME", 8, "outcome"));
    columns.push_back(field_column("REASON", wide ? 60 : 40, "reason"));
    return columns;
}

struct AuditOptions {
    std::string search, output;
    int limit = 100;
    bool all_pages = false;
};

// The events asked for, with the list object -o json prints (every page: one list made of
// them all).
std::pair<std::vector<Json>, Json> fetch_events(const Api& api, const AuditOptions& o) {
    std::string path = "/audit_events";
    if (!o.search.empty()) path += "?search=" + escape(o.search);
    if (o.all_pages) {
        auto events = api.list_all(path, "list audit events");
        const auto count = static_cast<long>(events.size());
        Json list = {{"kind", "AuditEventList"}, {"page", 1}, {"size", count}, {"total", count}, {"items", events}};
        return {std::move(events), std::move(list)};
    }
    path += (o.search.empty() ? "?" : "&") + first_page_query(o.limit);
    auto list = api.get(path, "list audit events");
    const auto items = list.value("items", Json::array());
    return {{items.begin(), items.end()}, std::move(list)};
}

}  // namespace

void register_audit(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<AuditOptions>();
    auto* cmd = app.add_subcommand("audit", "Show the audit log: token reads, credential and access changes");
    cmd->add_option("--search", o->search, "Filter, e.g. \"action = 'fetch_token' and outcome = 'denied'\"");
    add_limit_flag(*cmd, o->limit);
    cmd->add_flag("--all-pages", o->all_pages, "Every matching event, not only the first --limit");
    add_output_flag(*cmd, o->output);
    cmd->callback([o, &ctx] {
        const auto format = parse_format(o->output);
        const auto [events, list] = fetch_events(ctx.api(), *o);
        print_objects(std::cout, format, "audit-event", audit_columns(false), audit_columns(true), events, list);
    });
}

}  // namespace ambient::cli
