#pragma once
#include <string>

#include "api/context.hpp"
#include "common/http/router.hpp"
#include "common/metrics.hpp"

namespace ambient::api {

// `router` must outlive the server: the OpenAPI handler reads it.
void register_metadata(http::Router& router, ApiContext& ctx, Metrics& metrics, const std::string& version);

}  // namespace ambient::api
