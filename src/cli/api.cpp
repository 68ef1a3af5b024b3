#include "cli/api.hpp"

#include "cli/errors.hpp"
#include "common/version.hpp"

namespace ambient::cli {
namespace {

constexpr const char* kBase = "/api/ambient/v1";

client::ClientOptions client_options(const ApiOptions& options) {
    client::ClientOptions out;
    out.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options.request_timeout);
    out.insecure_skip_verify = options.insecure_skip_verify;
    return out;
}

Json parse_body(const client::HttpResponse& response) {
    if (response.body.empty()) return Json();
    auto j = Json::parse(response.body, nullptr, false);
    return j.is_discarded() ? Json(response.body) : j;
}

}  // namespace

int exit_code_for_status(int status) {
    if (status == 404) return kExitNotFound;
    if (status == 401 || status == 403) return kExitForbidden;
    if (status == 409) return kExitConflict;
    if (status >= 400 && status < 500 && status != 429 && status != 408) return kExitUsage;
    return kExitServer;
}

Api::Api(ApiOptions options) : options_(std::move(options)), http_(options_.api_url, client_options(options_)) {}

client::Headers Api::headers(bool with_body) const {
    client::Headers h;
    if (!options_.token.empty()) h.emplace_back("Authorization", "Bearer " + options_.token);
    if (!options_.project.empty()) h.emplace_back("X-Ambient-Project", options_.project);
    h.emplace_back("User-Agent", std::string("acpctl/") + kPlatformVersion);
    h.emplace_back("Accept", "application/json");
    if (with_body) h.emplace_back("Content-Type", "application/json");
    return h;
}

client::HttpResponse Api::request(std::string_view method, const std::string& path, std::string_view body,
                                  const client::Headers& extra) const {
    auto h = headers(!body.empty());
    for (const auto& header : extra)
        h.push_back(header);
    try {
        return http_.request(method, kBase + path, body, h);
    } catch (const client::TransportError& e) {
        throw CliError(std::string("cannot reach the API server at ") + options_.api_url + ": " + e.what(),
                       kExitServer);
    }
}

client::HttpResponse Api::stream(const std::string& path, const client::Headers& extra,
                                 const std::function<bool(std::string_view)>& on_data, const std::atomic<bool>* stop,
                                 std::chrono::milliseconds idle_timeout,
                                 const std::function<bool(const client::HttpResponse&)>& on_open) const {
    auto h = headers(false);
    std::erase_if(h, [](const auto& header) { return header.first == "Accept"; });
    h.emplace_back("Accept", "text/event-stream");
    for (const auto& header : extra)
        h.push_back(header);
    return http_.stream(kBase + path, h, on_data, stop, idle_timeout, on_open);
}

void Api::fail(const client::HttpResponse& response, const std::string& context) {
    const auto body = parse_body(response);
    std::string reason;
    std::string operation = response.header("x-operation-id");
    if (body.is_object()) {
        if (const auto it = body.find("reason"); it != body.end() && it->is_string()) reason = it->get<std::string>();
        if (const auto it = body.find("operation_id"); it != body.end() && it->is_string())
            operation = it->get<std::string>();
    }
    if (reason.empty()) reason = "HTTP " + std::to_string(response.status);
    std::string message = context + ": " + reason + " (HTTP " + std::to_string(response.status);
    if (!operation.empty()) message += ", operation " + operation;
    message += ")";
    throw CliError(message, exit_code_for_status(response.status));
}

Json Api::get(const std::string& path, const std::string& context) const {
    const auto response = request("GET", path);
    if (response.status != 200) fail(response, context);
    return parse_body(response);
}

Json Api::post(const std::string& path, const Json& body, const std::string& context, std::vector<int> ok) const {
    const auto response = request("POST", path, body.is_null() ? std::string("{}") : body.dump());
    if (std::find(ok.begin(), ok.end(), response.status) == ok.end()) fail(response, context);
    return parse_body(response);
}

Json Api::patch(const std::string& path, const Json& body, const std::string& context) const {
    const auto response = request("PATCH", path, body.dump());
    if (response.status != 200) fail(response, context);
    return parse_body(response);
}

void Api::del(const std::string& path, const std::string& context) const {
    const auto response = request("DELETE", path);
    if (response.status != 204 && response.status != 200) fail(response, context);
}

std::vector<Json> Api::list_all(const std::string& path, const std::string& context, int page_size) const {
    std::vector<Json> items;
    const char sep = path.find('?') == std::string::npos ? '?' : '&';
    for (int page = 1;; ++page) {
        const auto list =
            get(path + sep + "page=" + std::to_string(page) + "&size=" + std::to_string(page_size), context);
        const auto& page_items = list.value("items", Json::array());
        for (const auto& item : page_items)
            items.push_back(item);
        const auto total = list.value("total", 0);
        if (page_items.empty() || static_cast<long>(items.size()) >= total) break;
    }
    return items;
}

std::string escape(std::string_view text) {
    return client::url_encode(text);
}

std::string search_equals(const std::string& field, const std::string& value) {
    std::string quoted;
    for (char c : value) {
        quoted += c;
        if (c == '\'') quoted += '\'';
    }
    return "search=" + escape(field + " = '" + quoted + "'");
}

}  // namespace ambient::cli
