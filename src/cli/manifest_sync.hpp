#pragma once
// Brings the server in line with checked manifest documents (manifest.hpp), one at a time, in
// the order given: each object is looked up by its natural key — a project by name, an agent
// or a session by name in its project, a credential by name within its scope (its project, or
// global), project settings by project, a role binding by role, scope, user and target — and
// then created, patched in exactly the fields that differ, or left alone.
//
// A credential's token cannot be read back, so a re-apply compares it with the salted
// fingerprint (kTokenFingerprintAnnotation) the last apply stored: the token is sent again
// only when it changed, or when the credential carries no fingerprint (made by other means).
//
// Dry runs only read: what would be created is remembered, so documents that refer to it
// (an agent in a project not yet made) are reported as created without looking further.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli/api.hpp"
#include "cli/manifest.hpp"

namespace ambient::cli::manifest {

enum class Status { Created, Configured, Unchanged, Deleted, NotFound };

std::string status_word(Status status);  // "created", "not found", …

class Sync {
public:
    Sync(const Api& api, bool dry_run) : api_(api), dry_run_(dry_run) {}

    // Creates or updates the document's object. Throws CliError (the server's error line).
    Status apply(const Document& doc);
    // The inbox seeds of an Agent document already applied: one status per seed.
    std::vector<Status> seed_inbox(const Document& doc);
    // Deletes the document's object; NotFound when it (or what it names) does not exist.
    Status remove(const Document& doc);

private:
    struct Place;
    Place locate(const Document& doc);
    Place locate_project(const Document& doc);
    Place locate_project_settings(const Document& doc);
    Place locate_agent(const Document& doc);
    Place locate_credential(const Document& doc);
    Place locate_role_binding(const Document& doc);
    Place locate_session(const Document& doc);

    // nullopt: the object will be created by this dry run, so it has no id yet.
    std::optional<std::string> agent_id(const std::string& project, const std::string& name_or_id);
    std::optional<std::string> session_id(const std::string& project, const std::string& name_or_id);
    std::optional<std::string> credential_id(const std::string& name_or_id, const std::string& project);
    bool planned(const std::string& key) const { return planned_.count(key) > 0; }

    const Api& api_;
    bool dry_run_;
    std::set<std::string> planned_;           // keys of what this dry run would create
    std::map<std::string, std::string> ids_;  // document key → the object's id
};

}  // namespace ambient::cli::manifest
