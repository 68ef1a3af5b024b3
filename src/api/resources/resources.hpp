#pragma once
// One registration function per resource kind; app.cpp calls them in order.
#include "api/context.hpp"
#include "api/model/kind.hpp"
#include "common/http/router.hpp"

namespace ambient::api {

class RunnerTokens;

const model::KindSchema& project_schema();
const model::KindSchema& project_settings_schema();
const model::KindSchema& user_schema();
const model::KindSchema& role_schema();
const model::KindSchema& role_binding_schema();
const model::KindSchema& credential_schema();
const model::KindSchema& agent_schema();
const model::KindSchema& inbox_message_schema();
const model::KindSchema& audit_event_schema();

void register_projects(http::Router& router, ApiContext& ctx);
void register_project_settings(http::Router& router, ApiContext& ctx);
void register_users(http::Router& router, ApiContext& ctx);
void register_roles(http::Router& router, ApiContext& ctx);
void register_role_bindings(http::Router& router, ApiContext& ctx);
void register_credentials(http::Router& router, ApiContext& ctx);
void register_sessions(http::Router& router, ApiContext& ctx);
void register_session_messages(http::Router& router, ApiContext& ctx);
void register_session_export(http::Router& router, ApiContext& ctx);
void register_agents(http::Router& router, ApiContext& ctx);
void register_inbox(http::Router& router, ApiContext& ctx);
void register_session_events(http::Router& router, ApiContext& ctx);
void register_session_agui(http::Router& router, ApiContext& ctx);
// POST /sessions/{id}/runner_token, GET /runner_tokens/jwks (public) and
// GET /sessions/{id}/credentials; `tokens` null: the first two answer 503.
void register_runner_tokens(http::Router& router, ApiContext& ctx, RunnerTokens* tokens);
void register_audit_events(http::Router& router, ApiContext& ctx);

// Every kind the server serves, for the OpenAPI document.
std::vector<const model::KindSchema*> all_schemas();

}  // namespace ambient::api
