#include "cli/resolve.hpp"

#include <cctype>

#include "cli/errors.hpp"

namespace ambient::cli {
namespace {

// The items of a search for name = '<name>' under `collection` (first 100).
Json by_name(const Api& api, const std::string& collection, const std::string& name, const std::string& context) {
    const auto list = api.get(collection + "?" + search_equals("name", name) + "&size=100", context);
    return list.value("items", Json::array());
}

std::string ids_of(const Json& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += item.value("id", "");
    }
    return out;
}

}  // namespace

bool looks_like_id(const std::string& text) {
    if (text.size() != 27) return false;
    for (unsigned char c : text) {
        if (!std::isalnum(c)) return false;
    }
    return true;
}

Json resolve_agent(const Api& api, const std::string& project, const std::string& name_or_id) {
    const auto base = "/projects/" + escape(project) + "/agents";
    const auto context = "find agent \"" + name_or_id + "\"";
    const auto items = by_name(api, base, name_or_id, context);
    for (const auto& item : items) {
        if (item.value("name", "") == name_or_id) return item;
    }
    if (looks_like_id(name_or_id)) {
        const auto response = api.request("GET", base + "/" + escape(name_or_id));
        if (response.status == 200) return Json::parse(response.body);
        if (response.status != 404) Api::fail(response, context);
    }
    throw CliError("agent \"" + name_or_id + "\" not found in project \"" + project + "\"", kExitNotFound);
}

Json resolve_credential(const Api& api, const std::string& name_or_id) {
    const auto context = "find credential \"" + name_or_id + "\"";
    if (looks_like_id(name_or_id)) {
        const auto response = api.request("GET", "/credentials/" + escape(name_or_id));
        if (response.status == 200) return Json::parse(response.body);
        if (response.status != 404) Api::fail(response, context);
    }
    const auto items = by_name(api, "/credentials", name_or_id, context);
    if (items.size() > 1)
        throw usage_error("multiple credentials named \"" + name_or_id + "\" found (" + ids_of(items) +
                          "); use the credential ID instead");
    if (items.empty()) throw CliError("credential \"" + name_or_id + "\" not found", kExitNotFound);
    return items.front();
}

std::string resolve_role_id(const Api& api, const std::string& name_or_id) {
    const auto context = "find role \"" + name_or_id + "\"";
    const auto items = by_name(api, "/roles", name_or_id, context);
    if (!items.empty()) return items.front().value("id", "");
    if (looks_like_id(name_or_id)) {
        const auto response = api.request("GET", "/roles/" + escape(name_or_id));
        if (response.status == 200) return name_or_id;
        if (response.status != 404) Api::fail(response, context);
    }
    throw CliError("role \"" + name_or_id + "\" not found", kExitNotFound);
}

}  // namespace ambient::cli
