#pragma once
// Our own OpenAPI 3 document, generated from the routes the server really registered and
// the kind schemas, so it cannot drift from what is served.
#include <string>

#include "api/model/render.hpp"
#include "common/http/router.hpp"

namespace ambient::api {

model::Json openapi_document(const http::Router& router, const std::string& version);

}  // namespace ambient::api
