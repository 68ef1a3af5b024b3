#pragma once
// What a routed request must look like before anything looks it up, authorizes or audits
// it: a JSON body when it has one, and path ids of the shape ids have. Checked right after
// authentication (an unauthenticated caller still gets 401 first), so that a path id that
// cannot name anything never reaches a query, an audit row or a log line.
#include <string_view>

#include "common/http/message.hpp"

namespace ambient::api {

// A project's id is its name: 2 to 63 lower-case letters, digits and '-', starting with a
// letter and ending with a letter or digit (a DNS label, as Kubernetes namespaces need).
bool is_valid_project_name(std::string_view name);

// application/json or application/<subtype>+json, with or without parameters (charset).
bool is_json_media_type(std::string_view content_type);

// 415 when a POST, PUT or PATCH carries a non-empty body that is not declared JSON.
void require_json_body(const http::Request& req);

// 404, worded as for an id that names nothing (the id cut short), when a path parameter of
// the matched route is not an id: a project's name right after /projects/, a KSUID anywhere
// else.
void require_well_formed_ids(const http::Request& req);

}  // namespace ambient::api
