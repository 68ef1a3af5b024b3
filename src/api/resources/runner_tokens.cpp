// Runner tokens over HTTP (auth/runner_tokens.hpp):
//
//   POST /sessions/{id}/runner_token   {"token","expires_at"}   session:runner_token (service-only)
//                                      (404 no such session, 409 not Pending/Creating/Running
//                                      or no run: a run begins with /start, ends with any
//                                      move to another phase)
//   GET  /runner_tokens/jwks           {"keys":[…]}              public
//   GET  /sessions/{id}/credentials    session_credentials.hpp   session:read
#include <utility>

#include "api/auth/runner_tokens.hpp"
#include "api/crud.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/session_credentials.hpp"
#include "api/resources/sessions.hpp"

namespace ambient::api {
namespace {

RunnerTokens& require_configured(RunnerTokens* tokens) {
    if (tokens == nullptr) throw ApiError::unavailable("runner tokens are not configured on this server");
    return *tokens;
}

http::Handler issue_handler(ApiContext& ctx, RunnerTokens* tokens) {
    return [&ctx, tokens](http::Request& req) {
        auto& runner_tokens = require_configured(tokens);
        const auto& id = req.param("id");
        std::string run_id;
        const auto session = with_connection(ctx, session_schema(), [&](store::Connection& conn) {
            const auto rs = conn.exec("SELECT run_id FROM sessions WHERE id = ?", {id});
            if (!rs.rows.empty()) {
                if (const auto* s = std::get_if<std::string>(&rs.rows[0][0])) run_id = *s;
            }
            return repo::find(conn, session_schema(), id);
        });
        if (!session) throw not_found(session_schema(), id);
        const auto& phase = model::text_of(*session, "phase");
        if (phase != "Pending" && phase != "Creating" && phase != "Running") {
            throw ApiError::conflict("cannot issue a runner token for a session in phase \"" + phase + "\"");
        }
        // A status write may put a session back in a live phase, but only /start begins a run.
        if (run_id.empty()) {
            throw ApiError::conflict("cannot issue a runner token: the session has no run (POST /sessions/{id}/start)");
        }
        RunnerTokens::Issued issued;
        try {
            issued = runner_tokens.issue(id, model::text_of(*session, "project_id"),
                                         model::text_of(*session, "agent_id"), run_id);
        } catch (const store::StoreError&) {
            rethrow_as_api_error(session_schema());
        } catch (const std::exception& e) {
            throw ApiError::internal(std::string("runner token: ") + e.what());
        }
        return json_response(200, Json{{"token", issued.token}, {"expires_at", issued.expires_at}});
    };
}

http::Handler jwks_handler(RunnerTokens* tokens) {
    return [tokens](http::Request&) {
        auto& runner_tokens = require_configured(tokens);
        Json keys;
        try {
            keys = runner_tokens.jwks();
        } catch (const store::StoreError&) {
            rethrow_as_api_error(session_schema());
        } catch (const std::exception& e) {
            throw ApiError::internal(std::string("runner token keys: ") + e.what());
        }
        auto response = json_response(200, keys);
        response.set_header("Cache-Control", "public, max-age=300");
        return response;
    };
}

}  // namespace

void register_runner_tokens(http::Router& router, ApiContext& ctx, RunnerTokens* tokens) {
    const std::string base = std::string(model::kApiBasePath);
    router.add({"POST", base + "/sessions/{id}/runner_token", issue_handler(ctx, tokens), false,
                "Issue a runner token for a live session (control plane only)", "session:runner_token"});
    router.add(
        {"GET", base + "/runner_tokens/jwks", jwks_handler(tokens), true, "The public keys that verify runner tokens"});
    register_session_credentials(router, ctx);
}

}  // namespace ambient::api
