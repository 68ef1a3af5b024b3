#include "common/http/dispatch.hpp"

#include <spdlog/spdlog.h>

#include "common/http/log_excerpt.hpp"
#include "common/http_methods.hpp"
#include "common/may_block.hpp"

namespace ambient::http {

Response error_response(int status, ErrorCode code, std::string_view reason, std::string_view operation_id) {
    return Response::json(status, render_error_body(code, reason, operation_id));
}

Response response_for_exception(std::exception_ptr error, const Request& request) {
    // The raw path, bounded, never the query or the body: either may carry credentials.
    const auto path = loggable_path(request.target);
    const auto method = log_excerpt(request.method, kLoggedMethodBytes);
    try {
        std::rethrow_exception(error);
    } catch (const ApiError& e) {
        if (!e.detail().empty()) {
            spdlog::warn("{} {} op={}: {}", method, path, request.operation_id, e.detail());
        }
        return error_response(e.status(), e.code(), e.reason(), request.operation_id);
    } catch (const std::exception& e) {
        spdlog::error("{} {} op={} failed: {}", method, path, request.operation_id, e.what());
    } catch (...) {
        spdlog::error("{} {} op={} failed with a non-standard exception", method, path, request.operation_id);
    }
    return error_response(500, ErrorCode::General, "Unspecified error", request.operation_id);
}

namespace {

// dispatch()'s steps, with `run(route)` answering a matched route.
template <typename Answer, typename Run>
Answer dispatch_with(const ServerHooks& hooks, Request& request, Router::Lookup matched, Run run) {
    try {
        // Before authentication (RFC 9110 9.1); a known method a path does not serve is a
        // 405 below.
        if (!is_known_http_method(request.method)) {
            return error_response(501, ErrorCode::NotImplemented,
                                  "Method " + log_excerpt(request.method, kLoggedMethodBytes) + " is not implemented",
                                  request.operation_id);
        }
        const Route* route = nullptr;
        if (auto* match = std::get_if<Router::Match>(&matched)) {
            route = match->route;
            request.route = route->pattern;
            request.path_params = std::move(match->params);
        }
        if (hooks.before) {
            if (auto early = hooks.before(request, route)) return std::move(*early);
        }
        if (route != nullptr) return run(*route);

        if (std::get<Router::Miss>(matched) == Router::Miss::MethodNotAllowed) {
            return error_response(405, ErrorCode::NotImplemented,
                                  "Method " + request.method + " not allowed on '" + request.path + "'",
                                  request.operation_id);
        }
        return error_response(404, ErrorCode::NotFound, "The requested resource '" + request.path + "' doesn't exist",
                              request.operation_id);
    } catch (const WouldBlock&) {
        throw;  // not an error: the server runs the request again where it may block
    } catch (...) {
        return response_for_exception(std::current_exception(), request);
    }
}

}  // namespace

Response dispatch(const ServerHooks& hooks, Request& request, Router::Lookup matched) {
    return dispatch_with<Response>(hooks, request, std::move(matched),
                                   [&request](const Route& route) { return route.handler(request); });
}

IoAnswer dispatch_on_io_thread(const ServerHooks& hooks, Request& request, Router::Lookup matched) {
    return dispatch_with<IoAnswer>(hooks, request, std::move(matched), [&request](const Route& route) -> IoAnswer {
        if (route.io_handler) return route.io_handler(request);
        return route.handler(request);
    });
}

}  // namespace ambient::http
