#include "cli/kinds.hpp"

#include <algorithm>
#include <cctype>

namespace ambient::cli {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::vector<KindInfo> make_kinds() {
    const auto id = field_column("ID", 27, "id");
    std::vector<KindInfo> kinds;
    kinds.push_back({"session",
                     "sessions",
                     "sessions",
                     {"session", "sessions", "sess"},
                     {id, field_column("NAME", 30, "name"), field_column("PROJECT", 20, "project_id"),
                      field_column("PHASE", 12, "phase"), field_column("MODEL", 16, "llm_model"), age_column()},
                     {id, field_column("NAME", 30, "name"), field_column("PROJECT", 20, "project_id"),
                      field_column("AGENT", 27, "agent_id"), field_column("PHASE", 12, "phase"),
                      field_column("MODEL", 16, "llm_model"), field_column("CREATED BY", 20, "created_by_user_id"),
                      field_column("RUNNER", 28, "runner_url"), age_column()}});
    kinds.push_back({"project",
                     "projects",
                     "projects",
                     {"project", "projects", "proj"},
                     {id, field_column("NAME", 30, "name"), field_column("STATUS", 10, "status")},
                     {id, field_column("NAME", 30, "name"), field_column("STATUS", 10, "status"),
                      field_column("DESCRIPTION", 40, "description"), age_column()}});
    const std::vector<Column> agent_columns = {id, field_column("NAME", 24, "name"),
                                               field_column("PROJECT", 27, "project_id"),
                                               field_column("SESSION", 27, "current_session_id"), age_column()};
    kinds.push_back({"agent",
                     "agents",
                     "agents",
                     {"agent", "agents", "project-agent", "project-agents", "pa"},
                     agent_columns,
                     {id, field_column("NAME", 24, "name"), field_column("PROJECT", 27, "project_id"),
                      field_column("SESSION", 27, "current_session_id"), field_column("MODEL", 16, "llm_model"),
                      field_column("OWNER", 20, "owner_user_id"), age_column()},
                     true});
    kinds.push_back({"project-settings",
                     "project-settings",
                     "project_settings",
                     {"project-settings", "projectsettings", "project-setting", "ps"},
                     {id, field_column("PROJECT ID", 27, "project_id"), age_column()},
                     {}});
    kinds.push_back({"user",
                     "users",
                     "users",
                     {"user", "users", "usr"},
                     {id, field_column("USERNAME", 30, "username"), field_column("NAME", 30, "name"),
                      field_column("EMAIL", 40, "email")},
                     {}});
    kinds.push_back(
        {"role",
         "roles",
         "roles",
         {"role", "roles"},
         {id, field_column("NAME", 30, "name"), field_column("DISPLAY NAME", 30, "display_name"),
          Column{"BUILT-IN", 9, [](const Json& o) { return o.value("built_in", false) ? "true" : "false"; }}},
         {id, field_column("NAME", 30, "name"), field_column("DISPLAY NAME", 30, "display_name"),
          Column{"BUILT-IN", 9, [](const Json& o) { return o.value("built_in", false) ? "true" : "false"; }},
          field_column("PERMISSIONS", 60, "permissions")}});
    // The target of a binding: the most specific id it names.
    Column target{"SCOPE ID", 27, [](const Json& o) {
                      for (const char* key : {"credential_id", "session_id", "agent_id", "project_id"}) {
                          const auto it = o.find(key);
                          if (it != o.end() && it->is_string() && !it->get<std::string>().empty())
                              return it->get<std::string>();
                      }
                      return std::string();
                  }};
    kinds.push_back({"role-binding",
                     "role-bindings",
                     "role_bindings",
                     {"role-binding", "role-bindings", "rolebinding", "rolebindings", "rb"},
                     {id, field_column("USER", 27, "user_id"), field_column("ROLE", 27, "role_id"),
                      field_column("SCOPE", 10, "scope"), target},
                     {id, field_column("USER", 27, "user_id"), field_column("ROLE", 27, "role_id"),
                      field_column("SCOPE", 10, "scope"), field_column("PROJECT", 27, "project_id"),
                      field_column("AGENT", 27, "agent_id"), field_column("SESSION", 27, "session_id"),
                      field_column("CREDENTIAL", 27, "credential_id"), age_column()}});
    kinds.push_back({"credential",
                     "credentials",
                     "credentials",
                     {"credential", "credentials", "cred", "creds"},
                     {id, field_column("NAME", 24, "name"), field_column("PROVIDER", 12, "provider"),
                      field_column("DESCRIPTION", 32, "description"), age_column()},
                     {id, field_column("NAME", 24, "name"), field_column("PROVIDER", 12, "provider"),
                      field_column("PROJECT", 20, "project_id"), field_column("DESCRIPTION", 32, "description"),
                      field_column("URL", 30, "url"), age_column()}});
    return kinds;
}

}  // namespace

const std::vector<KindInfo>& all_kinds() {
    static const std::vector<KindInfo> kinds = make_kinds();
    return kinds;
}

const KindInfo* find_kind(const std::string& word) {
    const auto w = lower(word);
    for (const auto& kind : all_kinds()) {
        if (std::find(kind.aliases.begin(), kind.aliases.end(), w) != kind.aliases.end()) return &kind;
    }
    return nullptr;
}

std::string kind_names() {
    std::string out;
    for (const auto& kind : all_kinds()) {
        if (!out.empty()) out += ", ";
        out += kind.plural;
    }
    return out;
}

}  // namespace ambient::cli
