#pragma once
// The manifests `acpctl apply -f` and `delete -f` read: multi-document YAML in upstream's flat
// schema (one level of keys per document, `kind` naming what it describes), plus the other
// fields our server accepts for each kind. Everything here is checked before anything is sent:
// a document that cannot be applied fails the whole run, naming the document and the field.
// No server is involved; manifest_sync.hpp does the talking.
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ambient::cli::manifest {

using Json = nlohmann::json;

// In apply order: what a later kind refers to is created first. Delete runs backwards.
enum class Kind { Project, ProjectSettings, Agent, Credential, RoleBinding, Session };

std::string kind_name(Kind kind);  // "ProjectSettings", as written in a manifest
std::string kind_word(Kind kind);  // "projectsettings", the prefix of output lines

// An inbox message an Agent document seeds (sent once: a message with the same sender and
// body already in the inbox counts as sent).
struct InboxSeed {
    std::string from_name;
    std::string body;
};

// One checked document. Names and ids of other objects stay as written (resolved against the
// server when applied); `project` is already the effective one.
struct Document {
    std::string source;  // the file, or "stdin"
    int number = 0;      // 1-based position among the documents of `source`
    Kind kind = Kind::Project;
    std::string name;  // Project/Agent/Credential/Session: `name`; ProjectSettings: its project

    // The server fields the document sets, as compared with the server's object: fields the
    // server holds as JSON text (labels, annotations, environment_variables, …) are kept as
    // JSON values here and written as text only when sent.
    Json fields = Json::object();

    // Credential: the secret after $VAR expansion. Never printed, never in an error.
    std::optional<std::string> token;

    // The project the object lives in (Agent, Session, ProjectSettings, project credentials)
    // or that a role binding names; "" when none applies.
    std::string project;
    std::string agent;  // Session: its agent; RoleBinding: the agent a credential is granted to

    // RoleBinding (upstream's fields): role by name or id, the scope, the target by name or id.
    std::string role;
    std::string scope;
    std::string scope_id;
    std::string user_id;

    std::vector<InboxSeed> inbox;  // Agent

    // `creds.yaml document 2 (Credential "gh")`, how errors name the document.
    std::string label() const;
    // `gh`, `lead→gh` (upstream's <user>→<target> for role bindings): the object's name in output.
    std::string object_name() const;
    // `credential/gh`, `rolebinding/lead→gh`: how output lines name the object.
    std::string display() const;
    // The identity of the object the document describes; two documents with one key are refused.
    std::string key() const;
};

// Looks an environment variable up; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// The process environment.
EnvLookup process_environment();

struct ParseOptions {
    std::string verb = "apply";  // starts every error line: "apply creds.yaml document 2 …"
    // Expands $VAR in secrets (`token`). Without it (delete -f), secrets are not read at all,
    // so deleting never needs the variables set.
    std::optional<EnvLookup> env;
};

// Where documents without a `project:` of their own live: --project, else the project of the
// manifest's only Project document, else the effective project (AMBIENT_PROJECT, the config).
struct ProjectDefaults {
    std::string flag;
    std::string effective;
};

// $VAR and ${VAR} replaced by the variable's value, $$ by a literal $. An unset variable, a
// `$` that starts none of these, and an unclosed ${ are errors (std::invalid_argument whose
// message names the variable, never a value).
std::string expand_env(std::string_view text, const EnvLookup& env);

// The documents of one YAML text, checked (kinds, fields, types, required fields, secrets
// expanded). Empty documents are skipped. Throws CliError (exit 1) naming the document and
// the field.
std::vector<Document> parse_manifest(std::string_view text, const std::string& source, const ParseOptions& options);

// Reads every -f argument: a file, a directory (its *.yaml and *.yml, in name order, not
// recursive, kustomization.* skipped) or "-" (stdin, read once). Then sets each document's
// project, refuses two documents that describe one object, and orders them for apply.
std::vector<Document> read_manifests(const std::vector<std::string>& paths, const ProjectDefaults& defaults,
                                     const ParseOptions& options, std::istream& stdin_stream);

// Fills `project` for the documents that need one (see ProjectDefaults); a usage error naming
// the document when there is none.
void assign_projects(std::vector<Document>& documents, const ProjectDefaults& defaults, const std::string& verb);
// Refuses two documents with one key, naming both.
void check_unique(const std::vector<Document>& documents, const std::string& verb);
// Stable: documents of one kind keep their order.
void sort_for_apply(std::vector<Document>& documents);
// The apply order backwards, whole: what refers to something goes before it.
void sort_for_delete(std::vector<Document>& documents);

// True for the fields the server stores as JSON text.
bool is_json_text_field(const std::string& field);

// The fields of `desired` whose value differs from `existing`'s (JSON text fields compared
// as JSON, so key order and spacing do not count; a field the object lacks is ""/null).
Json changed_fields(const Json& desired, const Json& existing);

// `desired` as the server takes it: JSON text fields written as text.
Json to_wire(const Json& desired);

// The annotation that records which token a credential was last applied with, so that a
// re-apply knows whether the secret changed without reading it back. Its value is a salted,
// slow hash (PBKDF2-HMAC-SHA256), never the token.
inline constexpr const char* kTokenFingerprintAnnotation = "ambient.dev/token-fingerprint";
std::string token_fingerprint(const std::string& token);  // with a fresh random salt
bool fingerprint_matches(const std::string& fingerprint, const std::string& token);

}  // namespace ambient::cli::manifest
