#include "cli/manifest_sync.hpp"

#include "cli/errors.hpp"
#include "cli/resolve.hpp"

namespace ambient::cli::manifest {
namespace {

std::string quoted(const std::string& text) {
    return "\"" + text + "\"";
}

std::string ids_of(const std::vector<Json>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item.value("id", "");
    return out;
}

// A GET whose 404 means "there is none".
std::optional<Json> get_if_exists(const Api& api, const std::string& path, const std::string& context) {
    const auto response = api.request("GET", path);
    if (response.status == 404) return std::nullopt;
    if (response.status != 200) Api::fail(response, context);
    return Json::parse(response.body);
}

// The items of `list_path` (a query already in it) whose name is exactly `name`. A 404 (the
// project of a nested collection does not exist) is `missing`, thrown as not found.
std::vector<Json> named(const Api& api, const std::string& list_path, const std::string& name,
                        const std::string& context, const std::string& missing) {
    const auto response = api.request("GET", list_path);
    if (response.status == 404) throw CliError(missing, kExitNotFound);
    if (response.status != 200) Api::fail(response, context);
    std::vector<Json> items;
    for (const auto& item : Json::parse(response.body).value("items", Json::array())) {
        if (item.value("name", "") == name) items.push_back(item);
    }
    return items;
}

// A string literal of the search language: single-quoted, quotes doubled.
std::string literal(const std::string& text) {
    std::string out = "'";
    for (char c : text)
        out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::string with_query(const std::string& path, const std::string& query) {
    return path + (path.find('?') == std::string::npos ? "?" : "&") + query;
}

// At most one object may carry a natural key; several is an error naming their ids.
std::optional<Json> single(const std::vector<Json>& items, const std::string& what) {
    if (items.empty()) return std::nullopt;
    if (items.size() > 1)
        throw CliError("several " + what + " exist (" + ids_of(items) + "); delete the extras or use distinct names",
                       kExitConflict);
    return items.front();
}

std::string project_missing(const std::string& project) {
    return "project " + quoted(project) + " not found";
}

// The annotations a credential is applied with: the document's (else the object's, so a
// document that sets none keeps them), with the fingerprint of the token.
Json credential_annotations(const Document& doc, const std::optional<Json>& existing, bool& send_token) {
    Json stored = Json::object();
    if (existing) {
        auto parsed = Json::parse(existing->value("annotations", ""), nullptr, false);
        if (parsed.is_object()) stored = parsed;
    }
    Json annotations = doc.fields.contains("annotations") ? doc.fields["annotations"] : stored;
    const auto previous = stored.value(kTokenFingerprintAnnotation, "");
    send_token = false;
    if (doc.token) {
        if (existing && fingerprint_matches(previous, *doc.token)) {
            annotations[kTokenFingerprintAnnotation] = previous;
        } else {
            annotations[kTokenFingerprintAnnotation] = token_fingerprint(*doc.token);
            send_token = true;
        }
    } else if (!previous.empty()) {
        annotations[kTokenFingerprintAnnotation] = previous;
    }
    return annotations;
}

}  // namespace

std::string status_word(Status status) {
    switch (status) {
        case Status::Created:
            return "created";
        case Status::Configured:
            return "configured";
        case Status::Unchanged:
            return "unchanged";
        case Status::Deleted:
            return "deleted";
        case Status::NotFound:
            return "not found";
    }
    return "";
}

// Where a document's object is, or would be created.
struct Sync::Place {
    std::string collection;                 // POST here; the object is at <collection>/<id>
    std::string what;                       // `agent "x"`, for error lines
    std::optional<Json> existing;           // the object, when it exists
    Json desired = Json::object();          // the fields compared with the object's
    Json create_only = Json::object();      // sent on create only (project_id, agent_id, …)
    bool waits_for_dry_run_object = false;  // names something this dry run would create
};

Sync::Place Sync::locate(const Document& doc) {
    switch (doc.kind) {
        case Kind::Project:
            return locate_project(doc);
        case Kind::ProjectSettings:
            return locate_project_settings(doc);
        case Kind::Agent:
            return locate_agent(doc);
        case Kind::Credential:
            return locate_credential(doc);
        case Kind::RoleBinding:
            return locate_role_binding(doc);
        case Kind::Session:
            return locate_session(doc);
    }
    throw CliError("unknown kind");
}

Sync::Place Sync::locate_project(const Document& doc) {
    Place place{.collection = "/projects", .what = "project " + quoted(doc.name), .desired = doc.fields};
    place.existing = get_if_exists(api_, "/projects/" + escape(doc.name), "find " + place.what);
    return place;
}

Sync::Place Sync::locate_project_settings(const Document& doc) {
    Place place{.collection = "/project_settings",
                .what = "project settings of " + quoted(doc.project),
                .desired = doc.fields,
                .create_only = {{"project_id", doc.project}}};
    if (planned("project/" + doc.project)) {
        place.waits_for_dry_run_object = true;
        return place;
    }
    const auto list = api_.get("/project_settings?project_id=" + escape(doc.project) + "&size=2", "find " + place.what);
    const auto& items = list.value("items", Json::array());
    place.existing = single(std::vector<Json>(items.begin(), items.end()), place.what);
    return place;
}

Sync::Place Sync::locate_agent(const Document& doc) {
    Place place{.collection = "/projects/" + escape(doc.project) + "/agents",
                .what = "agent " + quoted(doc.name),
                .desired = doc.fields};
    if (planned("project/" + doc.project)) {
        place.waits_for_dry_run_object = true;
        return place;
    }
    place.existing = single(named(api_, with_query(place.collection, search_equals("name", doc.name)), doc.name,
                                  "find " + place.what, project_missing(doc.project)),
                            "agents named " + quoted(doc.name));
    return place;
}

Sync::Place Sync::locate_credential(const Document& doc) {
    const bool in_project = doc.scope == "project";
    Place place{.collection = in_project ? "/projects/" + escape(doc.project) + "/credentials" : "/credentials",
                .what = "credential " + quoted(doc.name)};
    if (in_project && planned("project/" + doc.project)) {
        place.waits_for_dry_run_object = true;
    } else {
        // Global credentials are those without a project: a project's credential of the same
        // name is another object.
        const auto search = in_project ? search_equals("name", doc.name)
                                       : "search=" + escape("name = " + literal(doc.name) + " and project_id is null");
        const auto scope = in_project ? "in project " + quoted(doc.project) : std::string("global");
        place.existing = single(named(api_, with_query(place.collection, search), doc.name, "find " + place.what,
                                      project_missing(doc.project)),
                                scope + " credentials named " + quoted(doc.name));
    }
    place.desired = doc.fields;
    bool send_token = false;
    place.desired["annotations"] = credential_annotations(doc, place.existing, send_token);
    if (send_token) place.desired["token"] = *doc.token;
    return place;
}

Sync::Place Sync::locate_role_binding(const Document& doc) {
    Place place{.collection = "/role_bindings", .what = "role binding " + quoted(doc.object_name())};
    Json& want = place.desired;
    want["role_id"] = resolve_role_id(api_, doc.role);
    want["scope"] = doc.scope;
    if (!doc.user_id.empty()) want["user_id"] = doc.user_id;
    // A session binding names the session alone; the others name their project when they have one.
    if (!doc.project.empty() && doc.scope != "session") want["project_id"] = doc.project;
    std::optional<std::string> target = "";
    if (!doc.project.empty() && planned("project/" + doc.project)) target = std::nullopt;
    if (target && doc.scope == "agent") {
        target = agent_id(doc.project, doc.scope_id);
        if (target) want["agent_id"] = *target;
    }
    if (target && doc.scope == "session") {
        target = session_id(doc.project, doc.scope_id);
        if (target) want["session_id"] = *target;
    }
    if (target && doc.scope == "credential") {
        target = credential_id(doc.scope_id, doc.project);
        if (target) want["credential_id"] = *target;
        if (target && !doc.agent.empty()) {
            target = agent_id(doc.project, doc.agent);
            if (target) want["agent_id"] = *target;
        }
    }
    if (!target) {
        place.waits_for_dry_run_object = true;
        return place;
    }
    const auto search = "search=" + escape("role_id = " + literal(want["role_id"].get<std::string>()) +
                                           " and scope = " + literal(doc.scope));
    for (const auto& binding : api_.list_all("/role_bindings?" + search, "find " + place.what)) {
        bool same = true;
        for (const char* field : {"user_id", "project_id", "agent_id", "session_id", "credential_id"})
            same = same && binding.value(field, "") == want.value(field, "");
        if (same) place.existing = binding;
    }
    return place;
}

Sync::Place Sync::locate_session(const Document& doc) {
    Place place{.collection = "/sessions",
                .what = "session " + quoted(doc.name),
                .desired = doc.fields,
                .create_only = {{"project_id", doc.project}}};
    std::optional<std::string> agent = "";
    if (planned("project/" + doc.project)) agent = std::nullopt;
    if (agent && !doc.agent.empty()) agent = agent_id(doc.project, doc.agent);
    if (!agent) {
        place.waits_for_dry_run_object = true;
        return place;
    }
    if (!agent->empty()) place.create_only["agent_id"] = *agent;
    const auto list_path = "/sessions?project_id=" + escape(doc.project) + "&" + search_equals("name", doc.name);
    place.existing = single(named(api_, list_path, doc.name, "find " + place.what, project_missing(doc.project)),
                            "sessions named " + quoted(doc.name) + " in project " + quoted(doc.project));
    if (place.existing && !agent->empty() && place.existing->value("agent_id", "") != *agent)
        throw usage_error("agent: session " + quoted(doc.name) + " belongs to another agent (" +
                          place.existing->value("agent_id", "none") +
                          "); a session's agent cannot change: delete the session first");
    return place;
}

std::optional<std::string> Sync::agent_id(const std::string& project, const std::string& name_or_id) {
    if (planned("project/" + project) || planned("agent/" + project + "/" + name_or_id)) return std::nullopt;
    return resolve_agent(api_, project, name_or_id).value("id", "");
}

std::optional<std::string> Sync::session_id(const std::string& project, const std::string& name_or_id) {
    if (planned("project/" + project) || planned("session/" + project + "/" + name_or_id)) return std::nullopt;
    if (looks_like_id(name_or_id)) {
        if (get_if_exists(api_, "/sessions/" + escape(name_or_id), "find session " + quoted(name_or_id)))
            return name_or_id;
    }
    const auto list_path = "/sessions?project_id=" + escape(project) + "&" + search_equals("name", name_or_id);
    const auto found =
        single(named(api_, list_path, name_or_id, "find session " + quoted(name_or_id), project_missing(project)),
               "sessions named " + quoted(name_or_id) + " in project " + quoted(project));
    if (!found)
        throw CliError("session " + quoted(name_or_id) + " not found in project " + quoted(project), kExitNotFound);
    return found->value("id", "");
}

std::optional<std::string> Sync::credential_id(const std::string& name_or_id, const std::string& project) {
    if (looks_like_id(name_or_id) &&
        get_if_exists(api_, "/credentials/" + escape(name_or_id), "find credential " + quoted(name_or_id)))
        return name_or_id;
    const auto context = "find credential " + quoted(name_or_id);
    auto items = named(api_, "/credentials?" + search_equals("name", name_or_id) + "&size=100", name_or_id, context,
                       "credential " + quoted(name_or_id) + " not found");
    // One name in two scopes: the credential of the binding's own project wins.
    if (items.size() > 1 && !project.empty()) {
        std::vector<Json> own;
        for (const auto& item : items) {
            if (item.value("project_id", "") == project) own.push_back(item);
        }
        if (own.size() == 1) items = own;
    }
    if (items.size() > 1)
        throw usage_error("multiple credentials named " + quoted(name_or_id) + " found (" + ids_of(items) +
                          "); use the credential ID instead");
    if (items.size() == 1) return items.front().value("id", "");
    if (planned("credential-name/" + name_or_id)) return std::nullopt;
    throw CliError("credential " + quoted(name_or_id) + " not found", kExitNotFound);
}

Status Sync::apply(const Document& doc) {
    auto place = locate(doc);
    if (place.waits_for_dry_run_object || (!place.existing && dry_run_)) {
        planned_.insert(doc.key());
        if (doc.kind == Kind::Credential) planned_.insert("credential-name/" + doc.name);
        return Status::Created;
    }
    if (!place.existing) {
        Json body = to_wire(place.desired);
        body.update(place.create_only);
        const auto created = api_.post(place.collection, body, "create " + place.what);
        ids_[doc.key()] = created.value("id", "");
        return Status::Created;
    }
    const auto id = place.existing->value("id", "");
    ids_[doc.key()] = id;
    const auto changes = changed_fields(place.desired, *place.existing);
    if (changes.empty()) return Status::Unchanged;
    if (!dry_run_) api_.patch(place.collection + "/" + escape(id), to_wire(changes), "update " + place.what);
    return Status::Configured;
}

std::vector<Status> Sync::seed_inbox(const Document& doc) {
    std::vector<Status> statuses;
    const auto id = ids_.find(doc.key());
    if (id == ids_.end()) return std::vector<Status>(doc.inbox.size(), Status::Created);  // a dry run's new agent
    const auto path = "/projects/" + escape(doc.project) + "/agents/" + escape(id->second) + "/inbox";
    const auto context = "seed the inbox of agent " + quoted(doc.name);
    const auto messages = api_.list_all(path, context);
    for (const auto& seed : doc.inbox) {
        const bool present = std::any_of(messages.begin(), messages.end(), [&](const Json& message) {
            return message.value("from_name", "") == seed.from_name && message.value("body", "") == seed.body;
        });
        if (!present && !dry_run_) {
            Json body = {{"body", seed.body}};
            if (!seed.from_name.empty()) body["from_name"] = seed.from_name;
            api_.post(path, body, context);
        }
        statuses.push_back(present ? Status::Unchanged : Status::Created);
    }
    return statuses;
}

Status Sync::remove(const Document& doc) {
    std::optional<Place> place;
    try {
        place = locate(doc);
    } catch (const CliError& e) {
        if (e.exit_code() == kExitNotFound) return Status::NotFound;  // it, or what it names, is gone
        throw;
    }
    if (!place->existing) return Status::NotFound;
    if (dry_run_) return Status::Deleted;
    const auto path = place->collection + "/" + escape(place->existing->value("id", ""));
    const auto response = api_.request("DELETE", path);
    if (response.status == 404) return Status::NotFound;
    if (response.status != 204 && response.status != 200) Api::fail(response, "delete " + place->what);
    return Status::Deleted;
}

}  // namespace ambient::cli::manifest
