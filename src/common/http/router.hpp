#pragma once
// Maps (method, path) to a handler. Patterns are literal segments and `{name}` parameters,
// e.g. "/api/ambient/v1/projects/{id}/agents/{agent_id}"; literal segments win over
// parameters at the same position.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/http/message.hpp"

namespace ambient::http {

// Handlers run on a worker thread, never on an I/O thread, so they may block (database
// work). They return a response or throw ApiError (rendered as upstream's error body).
using Handler = std::function<Response(Request&)>;

struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    bool is_public = false;  // no authentication (metadata, health, metrics)
    std::string summary;     // one line for the OpenAPI document
    // What the caller needs, as "resource:action" (e.g. "session:read"); the application's
    // authorization checks it before the handler runs. Empty only on public routes.
    std::string permission;
};

class Router {
public:
    void add(Route route);

    struct Match {
        const Route* route = nullptr;
        std::unordered_map<std::string, std::string> params;
    };
    enum class Miss { NotFound, MethodNotAllowed };

    // The matching route, or why none matched.
    std::variant<Match, Miss> match(std::string_view method, std::string_view path) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    struct Segment {
        std::string text;  // the literal, or the parameter's name
        bool is_param = false;
    };
    using Pattern = std::vector<Segment>;

    std::vector<Route> routes_;
    std::vector<Pattern> patterns_;  // parallel to routes_, parsed once in add()
};

}  // namespace ambient::http
