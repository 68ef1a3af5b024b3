// Runner tokens over HTTP (auth/runner_tokens.hpp):
//
//   POST /sessions/{id}/runner_token   {"token","expires_at"}   session:runner_token (service-only)
//                                      (404 no such session, 409 not Pending/Creating/Running
//                                      or no run: a run begins with /start, ends with any
//                                      move to another phase)
//   POST /runner_tokens                {"items":[…],"errors":[…]} session:runner_token (service-only)
//                                      body {"session_ids":[…]}, at most kMaxBatch: one request
//                                      for many sessions; a session that cannot have a token is
//                                      an error entry (404/409 as above), not a failed request
//   GET  /runner_tokens/jwks           {"keys":[…]}              public
//   GET  /sessions/{id}/credentials    session_credentials.hpp   session:read
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

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

// A runner token only for a session with a live run; throws the 409 that says why not. Both
// mints (one session, a batch) ask this.
void check_mintable(const std::string& phase, const std::string& run_id) {
    if (phase != "Pending" && phase != "Creating" && phase != "Running") {
        throw ApiError::conflict("cannot issue a runner token for a session in phase \"" + phase + "\"");
    }
    // A status write may put a session back in a live phase, but only /start begins a run.
    if (run_id.empty()) {
        throw ApiError::conflict("cannot issue a runner token: the session has no run (POST /sessions/{id}/start)");
    }
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
        check_mintable(model::text_of(*session, "phase"), run_id);
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

constexpr std::size_t kMaxBatch = 1000;
// Ids per SELECT: under SQLite's smallest host-parameter limit (999).
constexpr std::size_t kIdsPerQuery = 500;

// The ids of {"session_ids":[…]}, each once, in the order given; 400 for any other body.
std::vector<std::string> batch_ids(const http::Request& req) {
    const auto body = Json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("session_ids") || !body["session_ids"].is_array()) {
        throw ApiError::validation("the body must be {\"session_ids\": [<session id>, …]}");
    }
    const auto& list = body["session_ids"];
    if (list.size() > kMaxBatch) {
        throw ApiError::validation("at most " + std::to_string(kMaxBatch) + " session_ids per request, not " +
                                   std::to_string(list.size()));
    }
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (const auto& id : list) {
        if (!id.is_string()) throw ApiError::validation("session_ids must be strings");
        if (seen.insert(id.get<std::string>()).second) ids.push_back(id.get<std::string>());
    }
    return ids;
}

struct MintableSession {
    std::string project_id;
    std::string agent_id;
    std::string phase;
    std::string run_id;
};

// What a mint needs of each session, read with a few statements rather than one per session.
std::map<std::string, MintableSession> load_sessions(store::Connection& conn, const std::vector<std::string>& ids) {
    std::map<std::string, MintableSession> found;
    for (std::size_t begin = 0; begin < ids.size(); begin += kIdsPerQuery) {
        const auto end = std::min(ids.size(), begin + kIdsPerQuery);
        std::string sql =
            "SELECT id, project_id, agent_id, phase, run_id FROM sessions WHERE deleted_at IS NULL AND id IN (";
        std::vector<store::SqlValue> params;
        for (auto i = begin; i < end; ++i) {
            sql += i == begin ? "?" : ", ?";
            params.emplace_back(ids[i]);
        }
        sql += ")";
        for (const auto& row : conn.exec(sql, params).rows) {
            found[store::text_of(row[0])] = {store::text_of(row[1]), store::text_of(row[2]), store::text_of(row[3]),
                                             store::text_of(row[4])};
        }
    }
    return found;
}

Json batch_error(const std::string& id, const ApiError& e) {
    return {{"session_id", id},
            {"status", e.status()},
            {"code", "ambient-api-server-" + std::to_string(static_cast<int>(e.code()))},
            {"reason", e.reason()}};
}

// The same checks as the single mint, per session, and a token for each that passes.
Json issue_batch(RunnerTokens& tokens, const std::vector<std::string>& ids,
                 const std::map<std::string, MintableSession>& sessions) {
    Json items = Json::array();
    Json errors = Json::array();
    for (const auto& id : ids) {
        const auto it = sessions.find(id);
        if (it == sessions.end()) {
            errors.push_back(batch_error(id, not_found(session_schema(), id)));
            continue;
        }
        const auto& s = it->second;
        try {
            check_mintable(s.phase, s.run_id);
        } catch (const ApiError& refused) {
            errors.push_back(batch_error(id, refused));
            continue;
        }
        const auto issued = tokens.issue(id, s.project_id, s.agent_id, s.run_id);
        items.push_back({{"session_id", id}, {"token", issued.token}, {"expires_at", issued.expires_at}});
    }
    return {{"items", std::move(items)}, {"errors", std::move(errors)}};
}

http::Handler issue_batch_handler(ApiContext& ctx, RunnerTokens* tokens) {
    return [&ctx, tokens](http::Request& req) {
        auto& runner_tokens = require_configured(tokens);
        const auto ids = batch_ids(req);
        // One read: every session's phase and run as of the same moment.
        const auto sessions = in_transaction(ctx, store::TxMode::Read, session_schema(),
                                             [&](store::Connection& conn) { return load_sessions(conn, ids); });
        try {
            return json_response(200, issue_batch(runner_tokens, ids, sessions));
        } catch (const store::StoreError&) {
            rethrow_as_api_error(session_schema());
        } catch (const std::exception& e) {
            throw ApiError::internal(std::string("runner tokens: ") + e.what());
        }
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
    // The same permission as the single mint: the control plane's, which no user holds.
    router.add({"POST", base + "/runner_tokens", issue_batch_handler(ctx, tokens), false,
                "Issue runner tokens for many live sessions (control plane only)", "session:runner_token"});
    router.add(
        {"GET", base + "/runner_tokens/jwks", jwks_handler(tokens), true, "The public keys that verify runner tokens"});
    register_session_credentials(router, ctx);
}

}  // namespace ambient::api
