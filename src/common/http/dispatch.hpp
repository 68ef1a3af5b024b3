#pragma once
// From a parsed Request to a Response: routing, the `before` hook, the handler, and the
// mapping of every failure to upstream's error body. Runs where the route's handler runs
// (Route::runs); no Beast.
#include <exception>
#include <string_view>

#include "common/api_error.hpp"
#include "common/http/message.hpp"
#include "common/http/pending_response.hpp"
#include "common/http/router.hpp"
#include "common/http/server.hpp"

namespace ambient::http {

// A JSON error response with upstream's error body.
Response error_response(int status, ErrorCode code, std::string_view reason, std::string_view operation_id);

// From `matched`, the router's answer for request.method and request.path (the server looks
// it up on the I/O thread to learn where the handler runs): fills request.route and
// request.path_params, then returns the hook's, the handler's or an error response. Never
// throws: ApiError becomes its own status and body (its detail logged), any other exception
// a 500 "Unspecified error" (its what() logged).
Response dispatch(const ServerHooks& hooks, Request& request, Router::Lookup matched);

// dispatch() on the I/O thread (Runs::OnIoThread routes): the route's io_handler where it has
// one, so the answer may be pending. WouldBlock passes through, as from dispatch().
IoAnswer dispatch_on_io_thread(const ServerHooks& hooks, Request& request, Router::Lookup matched);

// The response for an exception escaping a handler or a stream producer, logged as above.
Response response_for_exception(std::exception_ptr error, const Request& request);

}  // namespace ambient::http
