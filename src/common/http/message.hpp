#pragma once
// Requests and responses as the application sees them: plain data, no Beast types, so
// handlers and their tests never include the HTTP library.
#include <any>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/http/stream.hpp"

namespace ambient::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
    std::string method;  // upper case, e.g. "GET"
    std::string target;  // as received, path and query
    std::string path;    // percent-decoded, without query, trailing '/' removed (except "/")
    std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
    HeaderList headers;                                      // names as received; look up with header()
    std::string body;
    std::unordered_map<std::string, std::string> path_params;  // from the matched route
    std::string route;                                         // matched pattern, e.g. "/api/ambient/v1/projects/{id}"
    std::string operation_id;                                  // KSUID, echoed as X-Operation-ID
    std::string remote_address;
    std::string principal;  // who is calling, set by authentication (a username, or a service name)
    std::any identity;      // the application's full view of the caller, set by authentication

    // Case-insensitive header lookup; the first value wins.
    std::optional<std::string_view> header(std::string_view name) const;
    // The first value of a query parameter.
    std::optional<std::string_view> query_param(std::string_view name) const;
    // A path parameter of the matched route; empty when absent.
    const std::string& param(const std::string& name) const;
};

struct Response {
    int status = 200;
    HeaderList headers;
    std::string body;
    // When set, the body is ignored and the response is streamed with chunked encoding:
    // the producer runs on the connection's I/O executor and writes as it wants, for as long
    // as it wants; only a write that the reader leaves untaken for stream_write_timeout
    // ends it (ServerOptions).
    StreamProducer stream;

    void set_header(std::string name, std::string value);
    static Response json(int status, std::string body);
    static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
};

}  // namespace ambient::http
