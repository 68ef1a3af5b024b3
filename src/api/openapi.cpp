#include "api/openapi.hpp"

#include <algorithm>

#include "api/resources/resources.hpp"

namespace ambient::api {
namespace {

using model::Json;

Json field_schema(const model::Field& f) {
    Json s = Json::object();
    switch (f.type) {
        case model::FieldType::String:
            s["type"] = "string";
            break;
        case model::FieldType::Integer:
            s["type"] = "integer";
            s["format"] = "int64";
            break;
        case model::FieldType::Number:
            s["type"] = "number";
            s["format"] = "double";
            break;
        case model::FieldType::Boolean:
            s["type"] = "boolean";
            break;
        case model::FieldType::Timestamp:
            s["type"] = "string";
            s["format"] = "date-time";
            break;
    }
    if (!f.settable && !f.patchable) s["readOnly"] = true;
    if (f.write_only) s["writeOnly"] = true;
    if (!f.description.empty()) s["description"] = f.description;
    return s;
}

Json kind_schema(const model::KindSchema& kind) {
    Json properties = {
        {"id", {{"type", "string"}, {"readOnly", true}}},
        {"kind", {{"type", "string"}, {"readOnly", true}}},
        {"href", {{"type", "string"}, {"readOnly", true}}},
        {"created_at", {{"type", "string"}, {"format", "date-time"}, {"readOnly", true}}},
        {"updated_at", {{"type", "string"}, {"format", "date-time"}, {"readOnly", true}}},
    };
    Json required = Json::array();
    for (const auto& f : kind.fields) {
        properties[f.name] = field_schema(f);
        if (f.required) required.push_back(f.name);
    }
    Json s = {{"type", "object"}, {"properties", properties}};
    if (!required.empty()) s["required"] = required;
    return s;
}

Json patch_schema(const model::KindSchema& kind) {
    Json properties = Json::object();
    for (const auto& f : kind.fields) {
        if (f.patchable) properties[f.name] = field_schema(f);
    }
    return {{"type", "object"}, {"properties", properties}};
}

Json list_schema(const model::KindSchema& kind) {
    return {{"type", "object"},
            {"properties",
             {{"kind", {{"type", "string"}}},
              {"page", {{"type", "integer"}}},
              {"size", {{"type", "integer"}}},
              {"total", {{"type", "integer"}}},
              {"items", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/" + kind.kind}}}}}}}};
}

enum class Shape { Collection, Item, Action };

// The kind a route serves and how: ".../<collection>" (Collection), ".../<collection>/{x}"
// (Item), anything after that (Action, e.g. /token, /start). The last collection segment
// counts, so nested routes (/projects/{id}/agents/{agent_id}) name the nested kind.
std::pair<const model::KindSchema*, Shape> kind_of(const std::string& pattern) {
    const std::string base = std::string(model::kApiBasePath) + "/";
    if (pattern.rfind(base, 0) != 0) return {nullptr, Shape::Action};
    std::vector<std::string> segments;
    for (std::size_t pos = base.size(); pos <= pattern.size();) {
        const auto slash = pattern.find('/', pos);
        const auto end = slash == std::string::npos ? pattern.size() : slash;
        segments.push_back(pattern.substr(pos, end - pos));
        pos = end + 1;
    }
    for (std::size_t i = segments.size(); i-- > 0;) {
        for (const auto* kind : all_schemas()) {
            if (kind->path != segments[i]) continue;
            const std::size_t rest = segments.size() - i - 1;
            if (rest == 0) return {kind, Shape::Collection};
            if (rest == 1 && !segments.back().empty() && segments.back().front() == '{') return {kind, Shape::Item};
            return {kind, Shape::Action};
        }
    }
    return {nullptr, Shape::Action};
}

Json error_response(const std::string& description) {
    return {{"description", description},
            {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

Json json_content(const std::string& ref) {
    return {{"application/json", {{"schema", {{"$ref", "#/components/schemas/" + ref}}}}}};
}

Json operation(const http::Route& route) {
    Json op = Json::object();
    op["summary"] = route.summary;
    Json parameters = Json::array();
    for (std::size_t pos = route.pattern.find('{'); pos != std::string::npos; pos = route.pattern.find('{', pos + 1)) {
        const auto end = route.pattern.find('}', pos);
        parameters.push_back({{"name", route.pattern.substr(pos + 1, end - pos - 1)},
                              {"in", "path"},
                              {"required", true},
                              {"schema", {{"type", "string"}}}});
    }
    const auto [kind, shape] = kind_of(route.pattern);
    Json responses = Json::object();
    if (route.pattern.ends_with("/agui/run")) {
        op["requestBody"] = {{"required", true}, {"content", json_content("RunAgentInput")}};
        responses["200"] = {{"description", "The run's AG-UI events, up to its RUN_FINISHED or RUN_ERROR"},
                            {"content", {{"text/event-stream", {{"schema", {{"type", "string"}}}}}}}};
        responses["400"] = error_response("Not a RunAgentInput, or no user message");
        responses["404"] = error_response("Not found");
        responses["502"] = error_response("No runner, or the runner is not reachable");
    } else if (route.method == "POST" && route.pattern.ends_with("/runner_tokens")) {
        op["requestBody"] = {{"required", true}, {"content", json_content("RunnerTokensRequest")}};
        responses["200"] = {{"description", "A token for each live session; an error entry for each other one"},
                            {"content", json_content("RunnerTokens")}};
        responses["400"] = error_response("Not {\"session_ids\":[…]}, or more than 1000 ids");
        responses["403"] = error_response("Not a service token");
    } else if (route.method == "POST" && route.pattern.ends_with("/sessions/{id}/clone")) {
        op["requestBody"] = {{"required", false}, {"content", json_content("SessionCloneRequest")}};
        responses["201"] = {{"description", "The new session"}, {"content", json_content("Session")}};
        responses["400"] = error_response("Invalid body");
        responses["403"] = error_response("No session:create in the source's project");
        responses["404"] = error_response("Not found");
        responses["409"] = error_response("The source's agent no longer exists");
    } else if (route.method == "GET" && route.pattern.ends_with("/sessions/{id}/export")) {
        responses["200"] = {{"description", "The session and all its messages, oldest first"},
                            {"content", json_content("SessionExport")}};
        responses["403"] = error_response("No session_message:read on the session");
        responses["404"] = error_response("Not found");
    } else if (shape == Shape::Action) {
        // Actions (start, stop, status, token, messages, events, previews) answer in their
        // own shapes, described by their summary.
    } else if (kind != nullptr && route.method == "GET" && shape == Shape::Collection) {
        for (const char* name : {"page", "size"}) {
            parameters.push_back({{"name", name}, {"in", "query"}, {"schema", {{"type", "integer"}}}});
        }
        for (const char* name : {"search", "orderBy", "fields"}) {
            parameters.push_back({{"name", name}, {"in", "query"}, {"schema", {{"type", "string"}}}});
        }
        responses["200"] = {{"description", "A page of " + kind->kind + " objects"},
                            {"content", json_content(kind->kind + "List")}};
        responses["400"] = error_response("Bad page, size, search, orderBy or fields");
    } else if (kind != nullptr && route.method == "POST") {
        op["requestBody"] = {{"required", true}, {"content", json_content(kind->kind)}};
        responses["201"] = {{"description", "Created"}, {"content", json_content(kind->kind)}};
        responses["400"] = error_response("Invalid body");
        responses["409"] = error_response("Already exists");
    } else if (kind != nullptr && route.method == "GET") {
        responses["200"] = {{"description", "The " + kind->kind}, {"content", json_content(kind->kind)}};
        responses["404"] = error_response("Not found");
    } else if (kind != nullptr && route.method == "PATCH") {
        op["requestBody"] = {{"required", true}, {"content", json_content(kind->kind + "PatchRequest")}};
        responses["200"] = {{"description", "Updated"}, {"content", json_content(kind->kind)}};
        responses["400"] = error_response("Invalid body");
        responses["404"] = error_response("Not found");
    } else if (kind != nullptr && route.method == "DELETE") {
        responses["204"] = {{"description", "Deleted"}};
        responses["404"] = error_response("Not found");
    }
    if (responses.empty()) {
        responses["200"] = {{"description", route.summary.empty() ? "OK" : route.summary}};
        if (kind != nullptr) responses["404"] = error_response("Not found");
    }
    if (!route.is_public) {
        responses["401"] = error_response("Missing or invalid bearer token");
        op["security"] = Json::array({{{"Bearer", Json::array()}}});
    }
    if (!parameters.empty()) op["parameters"] = parameters;
    op["responses"] = responses;
    return op;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

}  // namespace

Json openapi_document(const http::Router& router, const std::string& version) {
    Json paths = Json::object();
    for (const auto& route : router.routes())
        paths[route.pattern][lower(route.method)] = operation(route);

    Json schemas = Json::object();
    schemas["Error"] = {{"type", "object"},
                        {"properties",
                         {{"kind", {{"type", "string"}}},
                          {"id", {{"type", "string"}}},
                          {"href", {{"type", "string"}}},
                          {"code", {{"type", "string"}}},
                          {"reason", {{"type", "string"}}},
                          {"operation_id", {{"type", "string"}}}}}};
    // AG-UI's run input (camelCase), as far as the server reads it; other keys pass to the runner.
    schemas["RunAgentInput"] = {
        {"type", "object"},
        {"properties",
         {{"threadId", {{"type", "string"}}},
          {"runId", {{"type", "string"}}},
          {"messages",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"properties",
               {{"id", {{"type", "string"}}},
                {"role", {{"type", "string"}}},
                {"content", {{"description", "a string, or an array of parts ({type:\"text\", text})"}}}}}}}}}}}};
    // POST /runner_tokens (the control plane's batch mint).
    schemas["RunnerTokensRequest"] = {
        {"type", "object"},
        {"required", {"session_ids"}},
        {"properties", {{"session_ids", {{"type", "array"}, {"maxItems", 1000}, {"items", {{"type", "string"}}}}}}}};
    schemas["RunnerTokens"] = {
        {"type", "object"},
        {"properties",
         {{"items",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"properties",
               {{"session_id", {{"type", "string"}}},
                {"token", {{"type", "string"}}},
                {"expires_at", {{"type", "string"}, {"format", "date-time"}}}}}}}}},
          {"errors",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"properties",
               {{"session_id", {{"type", "string"}}},
                {"status", {{"type", "integer"}, {"description", "404: no such session; 409: not live"}}},
                {"code", {{"type", "string"}}},
                {"reason", {{"type", "string"}}}}}}}}}}}};
    // POST /sessions/{id}/clone's optional body, and GET /sessions/{id}/export's document.
    schemas["SessionCloneRequest"] = {
        {"type", "object"},
        {"properties", {{"name", {{"type", "string"}, {"description", "Default: the source's name and \"-clone\""}}}}}};
    schemas["SessionExport"] = {{"type", "object"},
                                {"properties",
                                 {{"kind", {{"type", "string"}, {"enum", {"SessionExport"}}}},
                                  {"session", {{"$ref", "#/components/schemas/Session"}}},
                                  {"messages",
                                   {{"type", "array"},
                                    {"items",
                                     {{"type", "object"},
                                      {"properties",
                                       {{"id", {{"type", "string"}}},
                                        {"session_id", {{"type", "string"}}},
                                        {"seq", {{"type", "integer"}, {"format", "int64"}}},
                                        {"event_type", {{"type", "string"}}},
                                        {"payload", {{"type", "string"}}},
                                        {"created_at", {{"type", "string"}, {"format", "date-time"}}}}}}}}}}}};
    for (const auto* kind : all_schemas()) {
        schemas[kind->kind] = kind_schema(*kind);
        schemas[kind->kind + "List"] = list_schema(*kind);
        schemas[kind->kind + "PatchRequest"] = patch_schema(*kind);
    }
    Json doc = Json::object();
    doc["openapi"] = "3.0.3";
    doc["info"] = {{"title", "Ambient API Server"},
                   {"version", version},
                   {"description", "The REST API of ambient-api-server (C++), compatible with ambient-code/platform."}};
    doc["paths"] = paths;
    doc["components"] = {{"schemas", schemas},
                         {"securitySchemes", {{"Bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}};
    return doc;
}

}  // namespace ambient::api
