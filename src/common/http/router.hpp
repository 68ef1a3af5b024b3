#pragma once
// Maps (method, path) to a handler. Patterns are literal segments and `{name}` parameters,
// e.g. "/api/ambient/v1/projects/{id}/agents/{agent_id}"; literal segments win over
// parameters at the same position.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/http/message.hpp"
#include "common/http/pending_response.hpp"

namespace ambient::http {

// Handlers run on a worker thread unless their route says otherwise (Route::runs), so they
// may block (database work). They return a response or throw ApiError (rendered as
// upstream's error body).
using Handler = std::function<Response(Request&)>;

// A handler for the I/O thread that need not block for I/O it can wait for on the I/O loop:
// it may answer with a PendingResponse instead (a PostgreSQL read). Otherwise as a
// Runs::OnIoThread handler: microseconds, WouldBlock before anything that would wait.
using IoHandler = std::function<IoAnswer(Request&)>;

// Where a route's handler, and the server's `before` hook for it, run.
enum class Runs {
    // On the worker pool: free to block.
    OnWorker,
    // On the connection's I/O thread, sparing the hop to a worker and back, which costs more
    // than a small handler itself. Only for handlers (and a `before` hook) that finish in
    // microseconds, since every connection of that I/O thread waits meanwhile, and that throw
    // WouldBlock (common/may_block.hpp) before anything that would wait, having changed
    // nothing yet: the request is then run again on a worker.
    OnIoThread,
};

struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    bool is_public = false;  // no authentication (metadata, health, metrics)
    std::string summary;     // one line for the OpenAPI document
    // What the caller needs, as "resource:action" (e.g. "session:read"); the application's
    // authorization checks it before the handler runs. Empty only on public routes.
    std::string permission;
    Runs runs = Runs::OnWorker;
    // Runs::OnIoThread only, optional: what runs on the I/O thread in place of `handler`,
    // which still answers on a worker when this throws WouldBlock.
    IoHandler io_handler;
};

class Router {
public:
    void add(Route route);

    struct Match {
        const Route* route = nullptr;
        std::unordered_map<std::string, std::string> params;
    };
    enum class Miss { NotFound, MethodNotAllowed };

    using Lookup = std::variant<Match, Miss>;

    // The matching route, or why none matched.
    Lookup match(std::string_view method, std::string_view path) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    struct Segment {
        std::string text;  // the literal, or the parameter's name
        bool is_param = false;
    };
    using Pattern = std::vector<Segment>;

    // The patterns as a tree of segments: a request walks down it instead of comparing its
    // path with every pattern (which cost more than the rest of routing together; see
    // docs/performance.md). A node is reached by one literal or by a parameter.
    struct Node {
        std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
        std::unique_ptr<Node> param;
        std::vector<std::size_t> routes;  // indices into routes_ of the patterns ending here, in add order
    };
    // The route for `method` at or below `node`, literal children tried before the parameter
    // child so that the more specific pattern wins; sets `path_matched` when any pattern
    // matches the path, whatever its method.
    const Route* find(const Node& node, const std::vector<std::string_view>& segments, std::size_t depth,
                      std::string_view method, bool& path_matched, std::size_t& index) const;

    std::vector<Route> routes_;
    std::vector<Pattern> patterns_;  // parallel to routes_, parsed once in add()
    Node root_;
};

}  // namespace ambient::http
