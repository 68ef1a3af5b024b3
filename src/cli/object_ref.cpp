#include "cli/object_ref.hpp"

#include <iostream>
#include <optional>
#include <vector>

#include "cli/errors.hpp"
#include "cli/resolve.hpp"

namespace ambient::cli {
namespace {

// The field a kind's objects are named by on the command line; "" for kinds named only by
// id (a project's id is its name).
std::string name_field(const KindInfo& kind) {
    if (kind.collection == "sessions" || kind.collection == "roles") return "name";
    if (kind.collection == "users") return "username";
    return "";
}

std::string quoted(const std::string& text) {
    return "\"" + text + "\"";
}

std::string object_path(const KindInfo& kind, const std::string& id) {
    return "/" + kind.collection + "/" + escape(id);
}

// GET by id; nullopt for a 404 so the caller can try the name.
std::optional<Json> get_if_found(const Api& api, const std::string& path, const std::string& context) {
    const auto response = api.request("GET", path);
    if (response.status == 404) return std::nullopt;
    if (response.status != 200) Api::fail(response, context);
    return Json::parse(response.body);
}

Json find_named(const Api& api, const KindInfo& kind, const std::string& field, const std::string& name_or_id) {
    const auto context = "get " + kind.name + " " + quoted(name_or_id);
    if (looks_like_id(name_or_id)) {
        if (auto found = get_if_found(api, object_path(kind, name_or_id), context)) return *found;
    }
    const auto list = api.get("/" + kind.collection + "?" + search_equals(field, name_or_id) + "&size=100", context);
    std::vector<Json> matches;
    for (const auto& item : list.value("items", Json::array())) {
        if (item.value(field, "") == name_or_id) matches.push_back(item);
    }
    if (matches.size() > 1) {
        std::string ids;
        for (const auto& m : matches)
            ids += (ids.empty() ? "" : ", ") + m.value("id", "");
        throw usage_error("multiple " + kind.plural + " named " + quoted(name_or_id) + " found (" + ids +
                          "); use the " + kind.name + " ID instead");
    }
    if (matches.empty()) throw CliError(kind.name + " " + quoted(name_or_id) + " not found", kExitNotFound);
    return matches.front();
}

// Within the project when there is one; an id also by the flat route, for agents of a
// project the caller did not name.
Json find_agent(Context& ctx, const Api& api, const std::string& name_or_id, const std::string& project_flag) {
    const auto project = project_flag.empty() ? ctx.project() : project_flag;
    if (project.empty() && !looks_like_id(name_or_id)) ctx.require_project(project_flag);
    if (project.empty()) return api.get("/agents/" + escape(name_or_id), "get agent " + quoted(name_or_id));
    try {
        return resolve_agent(api, project, name_or_id);
    } catch (const CliError& e) {
        if (e.exit_code() != kExitNotFound || !looks_like_id(name_or_id)) throw;
        if (auto found = get_if_found(api, "/agents/" + escape(name_or_id), "get agent " + quoted(name_or_id)))
            return *found;
        throw;
    }
}

}  // namespace

const KindInfo& require_kind(const std::string& word) {
    const auto* kind = find_kind(word);
    if (kind == nullptr)
        throw usage_error("unknown resource type " + quoted(word) + " (valid types: " + kind_names() + ")");
    return *kind;
}

Api api_for(Context& ctx, const std::string& project_flag) {
    return project_flag.empty() ? ctx.api() : ctx.api_for_project(project_flag);
}

std::string collection_path(Context& ctx, const KindInfo& kind, const std::string& project_flag) {
    if (kind.project_scoped) return "/projects/" + escape(ctx.require_project(project_flag)) + "/" + kind.collection;
    return "/" + kind.collection;
}

ObjectRef find_object(Context& ctx, const KindInfo& kind, const std::string& name_or_id,
                      const std::string& project_flag) {
    const auto api = api_for(ctx, project_flag);
    Json object;
    if (kind.project_scoped) {
        object = find_agent(ctx, api, name_or_id, project_flag);
        return {object,
                "/projects/" + escape(object.value("project_id", "")) + "/agents/" + escape(object.value("id", ""))};
    }
    if (kind.collection == "credentials") {
        object = resolve_credential(api, name_or_id);
    } else if (const auto field = name_field(kind); !field.empty()) {
        object = find_named(api, kind, field, name_or_id);
    } else {
        object = api.get(object_path(kind, name_or_id), "get " + kind.name + " " + quoted(name_or_id));
    }
    return {object, object_path(kind, object.value("id", name_or_id))};
}

std::string find_object_path(Context& ctx, const KindInfo& kind, const std::string& name_or_id,
                             const std::string& project_flag) {
    const bool named = kind.project_scoped || kind.collection == "credentials" || !name_field(kind).empty();
    if (!named) return object_path(kind, name_or_id);
    return find_object(ctx, kind, name_or_id, project_flag).path;
}

void print_result(Format format, const Json& object, const std::string& line) {
    if (format == Format::Json)
        print_json(std::cout, object);
    else if (format == Format::Yaml)
        print_yaml(std::cout, object);
    else
        std::cout << line << '\n';
}

}  // namespace ambient::cli
