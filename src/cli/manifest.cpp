#include "cli/manifest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "cli/errors.hpp"

namespace ambient::cli::manifest {
namespace {

namespace fs = std::filesystem;

// How a document's value becomes a server field's.
enum class ValueType {
    Text,       // a scalar, taken as written
    Integer,    // a whole number
    Number,     // any number
    StringMap,  // {key: value} of strings (labels, annotations, environment_variables)
    JsonValue,  // any YAML structure, or a string holding JSON (repositories, resource_overrides, …)
};

struct FieldSpec {
    std::string_view key;
    ValueType type;
};

constexpr FieldSpec kProjectFields[] = {{"name", ValueType::Text},
                                        {"description", ValueType::Text},
                                        {"prompt", ValueType::Text},
                                        {"labels", ValueType::StringMap},
                                        {"annotations", ValueType::StringMap}};
constexpr FieldSpec kProjectSettingsFields[] = {{"repositories", ValueType::JsonValue},
                                                {"group_access", ValueType::JsonValue}};
constexpr FieldSpec kAgentFields[] = {{"name", ValueType::Text},
                                      {"display_name", ValueType::Text},
                                      {"description", ValueType::Text},
                                      {"prompt", ValueType::Text},
                                      {"repo_url", ValueType::Text},
                                      {"workflow_id", ValueType::Text},
                                      {"llm_model", ValueType::Text},
                                      {"llm_temperature", ValueType::Number},
                                      {"llm_max_tokens", ValueType::Integer},
                                      {"bot_account_name", ValueType::Text},
                                      {"resource_overrides", ValueType::JsonValue},
                                      {"environment_variables", ValueType::StringMap},
                                      {"labels", ValueType::StringMap},
                                      {"annotations", ValueType::StringMap}};
constexpr FieldSpec kCredentialFields[] = {{"name", ValueType::Text},
                                           {"provider", ValueType::Text},
                                           {"description", ValueType::Text},
                                           {"url", ValueType::Text},
                                           {"email", ValueType::Text},
                                           {"labels", ValueType::StringMap},
                                           {"annotations", ValueType::StringMap}};
constexpr FieldSpec kSessionFields[] = {{"name", ValueType::Text},
                                        {"prompt", ValueType::Text},
                                        {"repo_url", ValueType::Text},
                                        {"workflow_id", ValueType::Text},
                                        {"llm_model", ValueType::Text},
                                        {"llm_temperature", ValueType::Number},
                                        {"llm_max_tokens", ValueType::Integer},
                                        {"timeout", ValueType::Integer},
                                        {"bot_account_name", ValueType::Text},
                                        {"assigned_user_id", ValueType::Text},
                                        {"resource_overrides", ValueType::JsonValue},
                                        {"environment_variables", ValueType::StringMap},
                                        {"repos", ValueType::JsonValue},
                                        {"labels", ValueType::StringMap},
                                        {"annotations", ValueType::StringMap}};

std::vector<FieldSpec> server_fields(Kind kind) {
    switch (kind) {
        case Kind::Project:
            return {std::begin(kProjectFields), std::end(kProjectFields)};
        case Kind::ProjectSettings:
            return {std::begin(kProjectSettingsFields), std::end(kProjectSettingsFields)};
        case Kind::Agent:
            return {std::begin(kAgentFields), std::end(kAgentFields)};
        case Kind::Credential:
            return {std::begin(kCredentialFields), std::end(kCredentialFields)};
        case Kind::RoleBinding:
            return {};
        case Kind::Session:
            return {std::begin(kSessionFields), std::end(kSessionFields)};
    }
    return {};
}

// Keys that are not server fields: references to other objects by name, and specials.
std::vector<std::string_view> reference_keys(Kind kind) {
    switch (kind) {
        case Kind::Project:
            return {};
        case Kind::ProjectSettings:
            return {"project"};
        case Kind::Agent:
            return {"project", "inbox"};
        case Kind::Credential:
            return {"project", "scope", "token"};
        case Kind::RoleBinding:
            return {"role", "scope", "scope_id", "user_id", "project", "agent"};
        case Kind::Session:
            return {"project", "agent"};
    }
    return {};
}

constexpr Kind kAllKinds[] = {Kind::Project,    Kind::ProjectSettings, Kind::Agent,
                              Kind::Credential, Kind::RoleBinding,     Kind::Session};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string quoted_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names)
        out += (out.empty() ? "\"" : ", \"") + name + "\"";
    return out;
}

// Builds the error lines of one document: "<verb> <source> document <n> (<Kind> "<name>"): …".
class DocumentErrors {
public:
    DocumentErrors(const std::string& verb, const Document& doc) : verb_(verb), doc_(doc) {}
    [[noreturn]] void fail(const std::string& message) const {
        throw usage_error(verb_ + " " + doc_.label() + ": " + message);
    }
    [[noreturn]] void fail(const std::string& field, const std::string& message) const { fail(field + ": " + message); }

private:
    const std::string& verb_;
    const Document& doc_;
};

std::string scalar_text(const YAML::Node& node, const std::string& field, const DocumentErrors& errors) {
    if (node.IsNull()) return "";
    if (!node.IsScalar()) errors.fail(field, "must be a string");
    return node.Scalar();
}

// A plain (unquoted) scalar read as YAML 1.2's core schema would: null, booleans, numbers.
Json typed_scalar(const YAML::Node& node) {
    const auto& text = node.Scalar();
    if (node.Tag() != "?") return text;  // quoted or explicitly tagged: a string
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    long long integer = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
    if (ec == std::errc() && end == text.data() + text.size()) return integer;
    if (!text.empty()) {
        char* number_end = nullptr;
        const double number = std::strtod(text.c_str(), &number_end);
        if (*number_end == '\0' && std::isdigit(static_cast<unsigned char>(text.back()))) return number;
    }
    return text;
}

Json yaml_to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Scalar:
            return typed_scalar(node);
        case YAML::NodeType::Sequence: {
            Json array = Json::array();
            for (const auto& item : node)
                array.push_back(yaml_to_json(item));
            return array;
        }
        case YAML::NodeType::Map: {
            Json object = Json::object();
            for (const auto& entry : node)
                object[entry.first.Scalar()] = yaml_to_json(entry.second);
            return object;
        }
        default:
            return nullptr;
    }
}

// A YAML structure, or a string holding the JSON text the server stores.
Json json_value(const YAML::Node& node, const std::string& field, const DocumentErrors& errors) {
    if (!node.IsScalar()) return yaml_to_json(node);
    auto parsed = Json::parse(node.Scalar(), nullptr, false);
    if (parsed.is_discarded()) errors.fail(field, "must be YAML or a string holding JSON");
    return parsed;
}

Json string_map(const YAML::Node& node, const std::string& field, const DocumentErrors& errors) {
    if (node.IsNull()) return Json::object();
    const Json value = json_value(node, field, errors);
    if (!value.is_object()) errors.fail(field, "must be a map of names to strings");
    Json out = Json::object();
    for (const auto& [key, item] : value.items()) {
        if (item.is_object() || item.is_array()) errors.fail(field + "." + key, "must be a string");
        out[key] = item.is_string() ? item.get<std::string>() : item.is_null() ? std::string() : item.dump();
    }
    return out;
}

Json integer_value(const YAML::Node& node, const std::string& field, const DocumentErrors& errors) {
    const auto value = node.IsScalar() ? typed_scalar(node) : Json();
    if (!value.is_number_integer()) errors.fail(field, "must be a whole number");
    return value;
}

Json number_value(const YAML::Node& node, const std::string& field, const DocumentErrors& errors) {
    const auto value = node.IsScalar() ? typed_scalar(node) : Json();
    if (!value.is_number()) errors.fail(field, "must be a number");
    return value;
}

Json server_value(const YAML::Node& node, const FieldSpec& spec, const DocumentErrors& errors) {
    const std::string field(spec.key);
    switch (spec.type) {
        case ValueType::Text:
            return scalar_text(node, field, errors);
        case ValueType::Integer:
            return integer_value(node, field, errors);
        case ValueType::Number:
            return number_value(node, field, errors);
        case ValueType::StringMap:
            return string_map(node, field, errors);
        case ValueType::JsonValue:
            return json_value(node, field, errors);
    }
    return nullptr;
}

std::vector<InboxSeed> inbox_seeds(const YAML::Node& node, const DocumentErrors& errors) {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) errors.fail("inbox", "must be a list of {from_name, body}");
    std::vector<InboxSeed> seeds;
    for (std::size_t i = 0; i < node.size(); ++i) {
        const auto item = node[i];
        const auto field = "inbox[" + std::to_string(i + 1) + "]";
        if (!item.IsMap()) errors.fail(field, "must be a map with from_name and body");
        InboxSeed seed;
        for (const auto& entry : item) {
            const auto key = entry.first.Scalar();
            if (key == "from_name") {
                seed.from_name = scalar_text(entry.second, field + ".from_name", errors);
            } else if (key == "body") {
                seed.body = scalar_text(entry.second, field + ".body", errors);
            } else {
                errors.fail(field, "unknown field \"" + key + "\" (an inbox message takes from_name and body)");
            }
        }
        if (seed.body.empty()) errors.fail(field + ".body", "is required");
        seeds.push_back(std::move(seed));
    }
    return seeds;
}

std::optional<Kind> kind_from_text(const std::string& text) {
    const auto wanted = lower(text);
    for (Kind kind : kAllKinds) {
        if (lower(kind_name(kind)) == wanted) return kind;
    }
    return std::nullopt;
}

std::string kinds_list() {
    std::string out;
    for (Kind kind : kAllKinds)
        out += (out.empty() ? "" : ", ") + kind_name(kind);
    return out;
}

bool is_reference_key(Kind kind, const std::string& key) {
    const auto keys = reference_keys(kind);
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

const FieldSpec* find_server_field(const std::vector<FieldSpec>& specs, const std::string& key) {
    for (const auto& spec : specs) {
        if (spec.key == key) return &spec;
    }
    return nullptr;
}

// Refuses keys the kind does not take, all of them in one line, and keys given twice.
void check_keys(const YAML::Node& node, Kind kind, const DocumentErrors& errors) {
    const auto specs = server_fields(kind);
    std::vector<std::string> seen;
    std::vector<std::string> unknown;
    for (const auto& entry : node) {
        if (!entry.first.IsScalar()) errors.fail("field names must be strings");
        const auto key = entry.first.Scalar();
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) errors.fail(key, "given twice");
        seen.push_back(key);
        if (key != "kind" && !find_server_field(specs, key) && !is_reference_key(kind, key)) unknown.push_back(key);
    }
    if (unknown.empty()) return;
    std::string accepted;
    for (const auto& spec : specs)
        accepted += ", " + std::string(spec.key);
    for (const auto& key : reference_keys(kind))
        accepted += ", " + std::string(key);
    errors.fail(std::string(unknown.size() == 1 ? "unknown field " : "unknown fields ") + quoted_list(unknown) + " (" +
                kind_name(kind) + " takes kind" + accepted + ")");
}

// The credential's secret: $VAR expanded; never empty, never echoed.
std::optional<std::string> secret_token(const YAML::Node& node, const ParseOptions& options,
                                        const DocumentErrors& errors) {
    const auto text = scalar_text(node, "token", errors);
    if (!options.env) return std::nullopt;
    std::string token;
    try {
        token = expand_env(text, *options.env);
    } catch (const std::invalid_argument& e) {
        errors.fail("token", e.what());
    }
    if (token.empty())
        errors.fail("token", text.find('$') != std::string::npos
                                 ? "expands to an empty value; set the variable to the secret"
                                 : "is empty; leave the field out to keep the stored token");
    return token;
}

std::string text_of(const YAML::Node& document, const char* key, const DocumentErrors& errors) {
    const auto node = document[key];
    return node ? scalar_text(node, key, errors) : std::string();
}

void parse_role_binding(const YAML::Node& node, Document& doc, const DocumentErrors& errors) {
    doc.role = text_of(node, "role", errors);
    doc.scope = text_of(node, "scope", errors);
    doc.scope_id = text_of(node, "scope_id", errors);
    doc.user_id = text_of(node, "user_id", errors);
    doc.agent = text_of(node, "agent", errors);
    if (doc.role.empty()) errors.fail("role", "is required (a role name such as credential:token-reader, or its id)");
    static const std::vector<std::string> scopes = {"global", "project", "agent", "session", "credential"};
    if (std::find(scopes.begin(), scopes.end(), doc.scope) == scopes.end())
        errors.fail("scope", doc.scope.empty()
                                 ? std::string("is required (global, project, agent, session or credential)")
                                 : "\"" + doc.scope + "\" is not one of global, project, agent, session, credential");
    if (doc.scope == "global") {
        for (const char* key : {"scope_id", "project", "agent"}) {
            if (node[key]) errors.fail(key, "a global binding names no target");
        }
    } else if (doc.scope != "project" && doc.scope_id.empty()) {
        errors.fail("scope_id", "is required (the " + doc.scope + "'s name or id)");
    }
    if (!doc.agent.empty() && doc.scope != "credential")
        errors.fail("agent", "only a credential binding names an agent (to grant the credential to it)");
    if (doc.scope == "project" && !doc.scope_id.empty() && !doc.project.empty() && doc.scope_id != doc.project)
        errors.fail("project", "differs from scope_id; a project binding names its project once");
    const bool grant = doc.scope == "credential" && (!doc.project.empty() || !doc.agent.empty());
    if (doc.user_id.empty() && !grant)
        errors.fail("user_id", "is required (only a credential granted to a project or agent has no user)");
}

void parse_credential_scope(const YAML::Node& node, Document& doc, const DocumentErrors& errors) {
    doc.scope = text_of(node, "scope", errors);
    if (doc.scope.empty()) doc.scope = doc.project.empty() ? "global" : "project";
    if (doc.scope != "global" && doc.scope != "project")
        errors.fail("scope", "\"" + doc.scope + "\" is not one of project, global");
    if (doc.scope == "global" && !doc.project.empty())
        errors.fail("project", "a global credential belongs to no project");
}

void check_required(const Document& doc, const DocumentErrors& errors) {
    const bool named = doc.kind == Kind::Project || doc.kind == Kind::Agent || doc.kind == Kind::Credential ||
                       doc.kind == Kind::Session;
    if (named && doc.name.empty()) errors.fail("name", "is required");
    if (doc.kind == Kind::Credential && doc.fields.value("provider", "").empty())
        errors.fail("provider", "is required (github, gitlab, jira, google, vertex, kubeconfig, …)");
}

Document parse_document(const YAML::Node& node, const std::string& source, int number, const ParseOptions& options) {
    Document doc;
    doc.source = source;
    doc.number = number;
    const std::string where = options.verb + " " + source + " document " + std::to_string(number);
    if (!node.IsMap()) throw usage_error(where + ": must be a map of fields (kind, name, …)");
    const auto kind_node = node["kind"];
    if (!kind_node || !kind_node.IsScalar() || kind_node.Scalar().empty())
        throw usage_error(where + ": kind: is required (" + kinds_list() + ")");
    const auto kind = kind_from_text(kind_node.Scalar());
    if (!kind) throw usage_error(where + ": unknown kind \"" + kind_node.Scalar() + "\" (" + kinds_list() + ")");
    doc.kind = *kind;
    if (const auto name = node["name"]; name && name.IsScalar()) doc.name = name.Scalar();

    const DocumentErrors errors(options.verb, doc);
    check_keys(node, doc.kind, errors);
    const auto specs = server_fields(doc.kind);
    for (const auto& entry : node) {
        const auto key = entry.first.Scalar();
        if (const auto* spec = find_server_field(specs, key))
            doc.fields[key] = server_value(entry.second, *spec, errors);
    }
    doc.name = doc.fields.value("name", "");
    doc.project = text_of(node, "project", errors);
    switch (doc.kind) {
        case Kind::Agent:
            if (const auto inbox = node["inbox"]) doc.inbox = inbox_seeds(inbox, errors);
            break;
        case Kind::Session:
            doc.agent = text_of(node, "agent", errors);
            break;
        case Kind::Credential:
            parse_credential_scope(node, doc, errors);
            if (const auto token = node["token"]) doc.token = secret_token(token, options, errors);
            break;
        case Kind::RoleBinding:
            parse_role_binding(node, doc, errors);
            break;
        default:
            break;
    }
    check_required(doc, errors);
    return doc;
}

bool needs_default_project(const Document& doc) {
    if (!doc.project.empty()) return false;
    switch (doc.kind) {
        case Kind::ProjectSettings:
        case Kind::Agent:
        case Kind::Session:
            return true;
        case Kind::Credential:
            return doc.scope == "project";
        case Kind::RoleBinding:
            if (doc.scope == "project") return doc.scope_id.empty();
            if (doc.scope == "credential") return !doc.agent.empty();
            return doc.scope == "agent" || doc.scope == "session";
        case Kind::Project:
            return false;
    }
    return false;
}

std::string read_stream(std::istream& in) {
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string read_file(const fs::path& path, const std::string& verb) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error(verb + " " + path.string() + ": cannot be read");
    return read_stream(in);
}

// The manifests of a directory: *.yaml and *.yml directly in it, in name order.
std::vector<fs::path> manifest_files(const fs::path& dir, const std::string& verb) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        const auto ext = entry.path().extension().string();
        if (!entry.is_regular_file() || (ext != ".yaml" && ext != ".yml")) continue;
        if (name.rfind("kustomization.", 0) == 0) continue;
        files.push_back(entry.path());
    }
    if (files.empty()) throw usage_error(verb + " " + dir.string() + ": no *.yaml or *.yml files in the directory");
    std::sort(files.begin(), files.end());
    return files;
}

void append(std::vector<Document>& to, std::vector<Document> from) {
    std::move(from.begin(), from.end(), std::back_inserter(to));
}

std::string hex(const unsigned char* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
        out += kDigits[data[i] >> 4];
        out += kDigits[data[i] & 0xf];
    }
    return out;
}

constexpr int kFingerprintIterations = 100000;
constexpr int kMaxFingerprintIterations = 1000000;  // a stored value asking more is not ours

std::string pbkdf2_hex(const std::string& token, const std::string& salt, int iterations) {
    std::array<unsigned char, 32> digest{};
    PKCS5_PBKDF2_HMAC(token.data(), static_cast<int>(token.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                      static_cast<int>(salt.size()), iterations, EVP_sha256(), static_cast<int>(digest.size()),
                      digest.data());
    return hex(digest.data(), digest.size());
}

bool is_empty_value(const Json& value) {
    return value.is_null() || (value.is_string() && value.get<std::string>().empty()) ||
           ((value.is_object() || value.is_array()) && value.empty());
}

// The server's value of a JSON text field, parsed (text that is not JSON stays text).
Json parsed_json_text(const Json& value) {
    if (!value.is_string()) return value;
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty()) return nullptr;
    auto parsed = Json::parse(text, nullptr, false);
    return parsed.is_discarded() ? value : parsed;
}

bool same_value(const std::string& field, const Json& desired, const Json& existing) {
    if (is_json_text_field(field)) {
        const auto actual = parsed_json_text(existing);
        return (is_empty_value(desired) && is_empty_value(actual)) || desired == actual;
    }
    if (desired.is_string() && existing.is_null()) return desired.get<std::string>().empty();
    return desired == existing;
}

}  // namespace

std::string kind_name(Kind kind) {
    switch (kind) {
        case Kind::Project:
            return "Project";
        case Kind::ProjectSettings:
            return "ProjectSettings";
        case Kind::Agent:
            return "Agent";
        case Kind::Credential:
            return "Credential";
        case Kind::RoleBinding:
            return "RoleBinding";
        case Kind::Session:
            return "Session";
    }
    return "";
}

std::string kind_word(Kind kind) {
    return lower(kind_name(kind));
}

std::string Document::label() const {
    std::string out = source + " document " + std::to_string(number) + " (" + kind_name(kind);
    const auto shown = kind == Kind::RoleBinding ? display().substr(kind_word(kind).size() + 1) : name;
    if (!shown.empty()) out += " \"" + shown + "\"";
    return out + ")";
}

std::string Document::display() const {
    if (kind != Kind::RoleBinding) return kind_word(kind) + "/" + (kind == Kind::ProjectSettings ? project : name);
    // Upstream's <user>→<target>; a grant to a project or an agent shows the grantee instead.
    const auto grantee = !user_id.empty() ? user_id : !agent.empty() ? agent : project;
    const auto target = scope == "global" ? std::string("global") : scope_id.empty() ? project : scope_id;
    return "rolebinding/" + grantee + "→" + target;
}

std::string Document::key() const {
    switch (kind) {
        case Kind::Project:
            return "project/" + name;
        case Kind::ProjectSettings:
            return "projectsettings/" + project;
        case Kind::Agent:
            return "agent/" + project + "/" + name;
        case Kind::Credential:
            return "credential/" + (project.empty() ? "(global)" : project) + "/" + name;
        case Kind::RoleBinding:
            return "rolebinding/" + role + "|" + scope + "|" + scope_id + "|" + user_id + "|" + project + "|" + agent;
        case Kind::Session:
            return "session/" + project + "/" + name;
    }
    return "";
}

EnvLookup process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
}

std::string expand_env(std::string_view text, const EnvLookup& env) {
    auto is_name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '$') {
            out += text[i++];
            continue;
        }
        if (i + 1 < text.size() && text[i + 1] == '$') {
            out += '$';
            i += 2;
            continue;
        }
        std::string name;
        if (i + 1 < text.size() && text[i + 1] == '{') {
            const auto close = text.find('}', i + 2);
            if (close == std::string_view::npos) throw std::invalid_argument("\"${\" is not closed by \"}\"");
            name = std::string(text.substr(i + 2, close - i - 2));
            i = close + 1;
        } else {
            auto end = i + 1;
            while (end < text.size() && is_name_char(text[end]))
                ++end;
            name = std::string(text.substr(i + 1, end - i - 1));
            i = end;
        }
        const bool valid_name = !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front())) &&
                                std::all_of(name.begin(), name.end(), is_name_char);
        if (!valid_name)
            throw std::invalid_argument("a \"$\" must start $VAR or ${VAR} (write $$ for a literal \"$\")");
        const auto value = env(name);
        if (!value) throw std::invalid_argument("environment variable " + name + " is not set");
        out += *value;
    }
    return out;
}

std::vector<Document> parse_manifest(std::string_view text, const std::string& source, const ParseOptions& options) {
    std::vector<YAML::Node> nodes;
    try {
        nodes = YAML::LoadAll(std::string(text));
    } catch (const YAML::Exception& e) {
        throw usage_error(options.verb + " " + source + ": not valid YAML: line " + std::to_string(e.mark.line + 1) +
                          ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    std::vector<Document> documents;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].IsNull()) continue;  // an empty document, as `---` at the start leaves
        documents.push_back(parse_document(nodes[i], source, static_cast<int>(i + 1), options));
    }
    return documents;
}

std::vector<Document> read_manifests(const std::vector<std::string>& paths, const ProjectDefaults& defaults,
                                     const ParseOptions& options, std::istream& stdin_stream) {
    std::vector<Document> documents;
    bool stdin_read = false;
    for (const auto& path : paths) {
        if (path == "-") {
            if (stdin_read) throw usage_error(options.verb + ": -f - given twice (stdin is read once)");
            stdin_read = true;
            append(documents, parse_manifest(read_stream(stdin_stream), "stdin", options));
        } else if (fs::is_directory(path)) {
            for (const auto& file : manifest_files(path, options.verb))
                append(documents, parse_manifest(read_file(file, options.verb), file.string(), options));
        } else if (fs::exists(path)) {
            append(documents, parse_manifest(read_file(path, options.verb), path, options));
        } else {
            throw usage_error(options.verb + " " + path + ": no such file or directory");
        }
    }
    if (documents.empty()) throw usage_error(options.verb + ": the manifests hold no documents");
    assign_projects(documents, defaults, options.verb);
    check_unique(documents, options.verb);
    sort_for_apply(documents);
    return documents;
}

void assign_projects(std::vector<Document>& documents, const ProjectDefaults& defaults, const std::string& verb) {
    std::vector<std::string> manifest_projects;
    for (const auto& doc : documents) {
        if (doc.kind == Kind::Project) manifest_projects.push_back(doc.name);
    }
    std::string fallback = defaults.flag;
    if (fallback.empty() && manifest_projects.size() == 1) fallback = manifest_projects.front();
    if (fallback.empty()) fallback = defaults.effective;
    for (auto& doc : documents) {
        if (doc.kind == Kind::RoleBinding && doc.scope == "project" && doc.project.empty()) doc.project = doc.scope_id;
        if (!needs_default_project(doc)) continue;
        if (fallback.empty())
            throw usage_error(verb + " " + doc.label() +
                              ": project: no project; set project: in the document, use --project, or run 'acpctl "
                              "project <name>'" +
                              (manifest_projects.size() > 1 ? " (the manifests describe several projects)" : ""));
        doc.project = fallback;
    }
    for (auto& doc : documents) {
        if (doc.kind == Kind::ProjectSettings) doc.name = doc.project;
        if (doc.kind == Kind::RoleBinding && doc.scope == "project") doc.scope_id = doc.project;
    }
}

void check_unique(const std::vector<Document>& documents, const std::string& verb) {
    std::map<std::string, const Document*> seen;
    for (const auto& doc : documents) {
        const auto [it, inserted] = seen.emplace(doc.key(), &doc);
        if (!inserted)
            throw usage_error(verb + " " + doc.label() + ": describes the same object as " + it->second->label());
    }
}

void sort_for_apply(std::vector<Document>& documents) {
    std::stable_sort(documents.begin(), documents.end(),
                     [](const Document& a, const Document& b) { return a.kind < b.kind; });
}

void sort_for_delete(std::vector<Document>& documents) {
    sort_for_apply(documents);
    std::reverse(documents.begin(), documents.end());
}

bool is_json_text_field(const std::string& field) {
    static const std::vector<std::string> fields = {"labels",      "annotations",        "environment_variables",
                                                    "repos",       "resource_overrides", "repositories",
                                                    "group_access"};
    return std::find(fields.begin(), fields.end(), field) != fields.end();
}

Json changed_fields(const Json& desired, const Json& existing) {
    Json changed = Json::object();
    for (const auto& [field, value] : desired.items()) {
        const auto it = existing.find(field);
        const Json actual = it == existing.end() ? Json() : *it;
        if (!same_value(field, value, actual)) changed[field] = value;
    }
    return changed;
}

Json to_wire(const Json& desired) {
    Json wire = Json::object();
    for (const auto& [field, value] : desired.items())
        wire[field] = is_json_text_field(field) && !value.is_string() ? Json(value.dump()) : value;
    return wire;
}

std::string token_fingerprint(const std::string& token) {
    std::array<unsigned char, 16> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
        throw CliError("cannot draw random bytes for the token's fingerprint", kExitServer);
    const auto salt_hex = hex(salt.data(), salt.size());
    return "pbkdf2-sha256$" + std::to_string(kFingerprintIterations) + "$" + salt_hex + "$" +
           pbkdf2_hex(token, salt_hex, kFingerprintIterations);
}

bool fingerprint_matches(const std::string& fingerprint, const std::string& token) {
    // pbkdf2-sha256$<iterations>$<salt>$<hash>
    std::vector<std::string> parts;
    std::stringstream in(fingerprint);
    for (std::string part; std::getline(in, part, '$');)
        parts.push_back(part);
    if (parts.size() != 4 || parts[0] != "pbkdf2-sha256") return false;
    int iterations = 0;
    const auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
    if (ec != std::errc() || end != parts[1].data() + parts[1].size() || iterations < 1 ||
        iterations > kMaxFingerprintIterations)
        return false;
    const auto actual = pbkdf2_hex(token, parts[2], iterations);
    return actual.size() == parts[3].size() && CRYPTO_memcmp(actual.data(), parts[3].data(), actual.size()) == 0;
}

}  // namespace ambient::cli::manifest
