// Reading YAML into checked documents: which keys each kind takes, how values become server
// fields, and the refusals that name the document and the field.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "cli/errors.hpp"
#include "cli/manifest.hpp"

namespace ambient::cli::manifest {
namespace {
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

// Everything a document sends is JSON, which must be UTF-8, while YAML scalars may hold any
// bytes: refused here, naming the field, rather than failing later in a JSON encoder that
// names neither. Found by tests/fuzz/manifest_fuzz.cpp.
void check_utf8(const Document& doc, const DocumentErrors& errors) {
    const auto fail_unless_utf8 = [&](const std::string& field, const Json& value) {
        try {
            value.dump();
        } catch (const Json::type_error&) {
            errors.fail(field, "is not UTF-8 text");
        }
    };
    for (const auto& [key, value] : doc.fields.items())
        fail_unless_utf8(key, value);
    fail_unless_utf8("project", doc.project);
    fail_unless_utf8("agent", doc.agent);
    fail_unless_utf8("role", doc.role);
    fail_unless_utf8("scope", doc.scope);
    fail_unless_utf8("scope_id", doc.scope_id);
    fail_unless_utf8("user_id", doc.user_id);
    if (doc.token) fail_unless_utf8("token", *doc.token);
    for (std::size_t i = 0; i < doc.inbox.size(); ++i)
        fail_unless_utf8("inbox[" + std::to_string(i + 1) + "]", Json{doc.inbox[i].from_name, doc.inbox[i].body});
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
    check_utf8(doc, errors);
    check_required(doc, errors);
    return doc;
}

// yaml-cpp 0.7 (Debian 12's) never returns from LoadAll() when a document starts with a token
// no node can start with, such as a stray ',' at the top level (jbeder/yaml-cpp#1040, fixed
// upstream after 0.8): its parser reports an empty document there without consuming the
// token, again and again, and LoadAll() keeps every one until memory runs out. Found by
// tests/fuzz/manifest_fuzz.cpp. A first pass with a handler that keeps nothing sees that as a
// document starting where the one before it did, and refuses the text before LoadAll() runs.
class StuckStreamGuard : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark& mark) override {
        if (started_ && mark.pos == last_.pos) throw YAML::ParserException(mark, "unexpected token");
        started_ = true;
        last_ = mark;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}

private:
    bool started_ = false;
    YAML::Mark last_;
};

void refuse_stuck_stream(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    StuckStreamGuard guard;
    while (parser.HandleNextDocument(guard)) {
    }
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
std::vector<Document> parse_manifest(std::string_view text, const std::string& source, const ParseOptions& options) {
    std::vector<YAML::Node> nodes;
    try {
        const std::string yaml(text);
        refuse_stuck_stream(yaml);
        nodes = YAML::LoadAll(yaml);
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

}  // namespace ambient::cli::manifest
