// The document model around parsing: environment expansion, the files -f names, projects,
// identity, order, comparison with the server's objects and the token fingerprint.
#include "cli/manifest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

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

std::string Document::label() const {
    std::string out = source + " document " + std::to_string(number) + " (" + kind_name(kind);
    if (const auto shown = object_name(); !shown.empty()) out += " \"" + shown + "\"";
    return out + ")";
}

std::string Document::object_name() const {
    if (kind == Kind::ProjectSettings) return project;
    if (kind != Kind::RoleBinding) return name;
    if (role.empty()) return "";  // not read yet
    // Upstream's <user>→<target>; a grant to a project or an agent shows the grantee instead.
    const auto grantee = !user_id.empty() ? user_id : !agent.empty() ? agent : project;
    const auto target = scope == "global" ? std::string("global") : scope_id.empty() ? project : scope_id;
    return grantee + "→" + target;
}

std::string Document::display() const {
    return kind_word(kind) + "/" + object_name();
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
