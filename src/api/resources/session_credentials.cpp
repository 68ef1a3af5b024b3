#include "api/resources/session_credentials.hpp"

#include "api/authz/credential_grants.hpp"
#include "api/crud.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"

namespace ambient::api {
namespace {

void require_session(store::Connection& conn, const std::string& id, std::string& project_id, std::string& agent_id) {
    const auto row = repo::find(conn, session_schema(), id);
    if (!row) throw not_found(session_schema(), id);
    project_id = model::text_of(*row, "project_id");
    agent_id = model::text_of(*row, "agent_id");
}

http::Handler list_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        const auto grants = in_transaction(ctx, store::TxMode::Read, session_schema(), [&](store::Connection& conn) {
            std::string project_id, agent_id;
            require_session(conn, id, project_id, agent_id);
            return authz::granted_credentials(conn, project_id, agent_id);
        });
        Json items = Json::array();
        for (const auto& g : grants) {
            items.push_back(
                {{"credential_id", g.credential_id}, {"provider", g.provider}, {"name", g.name}, {"grant", g.grant}});
        }
        return json_response(200, Json{{"kind", "SessionCredentialList"}, {"session_id", id}, {"items", items}});
    };
}

}  // namespace

void register_session_credentials(http::Router& router, ApiContext& ctx) {
    const std::string base = std::string(model::kApiBasePath) + "/sessions/{id}/credentials";
    router.add(
        {"GET", base, list_handler(ctx), false, "List the credentials granted to a session's runner", "session:read"});
}

}  // namespace ambient::api
