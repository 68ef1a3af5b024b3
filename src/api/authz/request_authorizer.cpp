#include "api/authz/request_authorizer.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "api/audit/audit_log.hpp"
#include "api/audit/denied_read_limiter.hpp"
#include "api/auth/principal.hpp"
#include "api/auth/runner_tokens.hpp"
#include "api/authz/access.hpp"
#include "api/authz/access_cache.hpp"
#include "api/authz/binding_store.hpp"
#include "api/authz/grant_rules.hpp"
#include "api/authz/permission.hpp"
#include "api/authz/refusal.hpp"
#include "api/authz/runner_policy.hpp"
#include "api/handler_support.hpp"
#include "api/model/kind.hpp"
#include "api/notify/notifier.hpp"
#include "common/may_block.hpp"

namespace ambient::api::authz {
namespace {

using K = Target::Kind;

std::vector<std::string_view> segments_after_base(std::string_view pattern) {
    std::vector<std::string_view> out;
    const std::string_view base = model::kApiBasePath;
    if (pattern.substr(0, base.size()) != base) return out;
    pattern.remove_prefix(base.size());
    while (!pattern.empty()) {
        if (pattern.front() == '/') pattern.remove_prefix(1);
        const auto end = pattern.find('/');
        out.push_back(pattern.substr(0, end));
        if (end == std::string_view::npos) break;
        pattern.remove_prefix(end);
    }
    return out;
}

// What the route does with respect to access.
enum class Rule {
    Targeted,    // check the permission on `target`
    Listed,      // a top-level list: filtered by the handler
    Open,        // any authenticated user (create a project or credential, read roles)
    GrantRules,  // role-binding writes: the handler applies the grant rules
    GlobalOnly,  // only a global grant of the permission (audit, users, roles changes)
};

struct Decision {
    Rule rule = Rule::GlobalOnly;
    std::optional<Target> target;  // Targeted: nullopt when the named object doesn't exist
    std::string kind;              // for the 404 message
    std::string id;
    std::string permission;  // may differ from the route's (project settings act on their project)
    // A create in the target project: when the caller cannot see that project the answer
    // is 403 `Forbidden`, the same whether or not it exists (a 404 would say which).
    bool creates = false;
};

std::optional<Target> lookup_session(store::Connection& conn, const std::string& id) {
    const auto rs = conn.exec("SELECT project_id, agent_id FROM sessions WHERE id = ? AND deleted_at IS NULL", {id});
    if (rs.rows.empty()) return std::nullopt;
    return Target::session(id, store::text_of(rs.rows[0][0]), store::text_of(rs.rows[0][1]));
}

std::optional<Target> lookup_agent(store::Connection& conn, const std::string& id) {
    const auto rs = conn.exec("SELECT project_id FROM agents WHERE id = ? AND deleted_at IS NULL", {id});
    if (rs.rows.empty()) return std::nullopt;
    return Target::agent(id, store::text_of(rs.rows[0][0]));
}

std::optional<Target> lookup_settings_project(store::Connection& conn, const std::string& id) {
    const auto rs = conn.exec("SELECT project_id FROM project_settings WHERE id = ? AND deleted_at IS NULL", {id});
    if (rs.rows.empty()) return std::nullopt;
    return Target::project(store::text_of(rs.rows[0][0]));
}

// A string field of the request's JSON body; empty when absent or not a string.
std::string body_field(const http::Request& req, const char* name) {
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object()) return {};
    auto it = body.find(name);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Decision decide_route(store::Connection& conn, const http::Request& req, const http::Route& route) {
    const auto seg = segments_after_base(route.pattern);
    Decision d;
    d.permission = route.permission;
    if (seg.empty()) return d;
    const std::string_view collection = seg[0];
    const bool read = req.method == "GET";

    if (collection == "projects" && seg.size() >= 2) {
        const auto& project = req.param("id");
        d.rule = Rule::Targeted;
        d.kind = "Project";
        d.id = project;
        if (seg.size() >= 4 && seg[2] == "agents") {
            d.target = Target::agent(req.param("agent_id"), project);
            d.kind = "Agent";
            d.id = req.param("agent_id");
        } else if (seg.size() >= 4 && seg[2] == "credentials") {
            d.target = Target::credential(req.param("cred_id"));
            d.kind = "Credential";
            d.id = req.param("cred_id");
        } else if (seg.size() == 3 && seg[2] == "credentials") {
            // A project's credentials: listed like all credentials (filtered), created by
            // anyone who sees the project.
            d.target = Target::project(project);
            d.permission = "project:read";
        } else {
            d.target = Target::project(project);
        }
        d.creates = seg.size() == 3 && req.method == "POST";
        return d;
    }
    if (seg.size() == 1) {
        if (read) {
            d.rule = collection == "roles"          ? Rule::Open
                     : collection == "audit_events" ? Rule::GlobalOnly
                                                    : Rule::Listed;
            return d;
        }
        if (collection == "projects") {
            d.rule = Rule::Open;
        } else if (collection == "role_bindings") {
            d.rule = Rule::GrantRules;
        } else if (collection == "sessions" || collection == "agents" || collection == "project_settings" ||
                   collection == "credentials") {
            // The project the handler will use: the body's project_id, else (sessions only)
            // the project_id query or X-Ambient-Project. Checking the query first would let
            // a body naming another project through.
            std::string id = body_field(req, "project_id");
            if (id.empty() && collection == "sessions") id = requested_project(req).value_or("");
            // Without a project the handler answers 400 (a credential is then global, open
            // to every user).
            d.rule = id.empty() ? Rule::Open : Rule::Targeted;
            d.target = Target::project(id);
            d.kind = "Project";
            d.id = id;
            d.creates = true;
            if (collection == "project_settings") d.permission = "project:update";
            // As in POST /projects/{id}/credentials: whoever sees the project.
            if (collection == "credentials") d.permission = "project:read";
        }
        return d;
    }
    const std::string& id = req.param("id");
    d.id = id;
    d.rule = Rule::Targeted;
    if (collection == "sessions") {
        d.kind = "Session";
        d.target = lookup_session(conn, id);
    } else if (collection == "credentials") {
        d.kind = "Credential";
        d.target = Target::credential(id);
    } else if (collection == "agents") {
        d.kind = "Agent";
        d.target = lookup_agent(conn, id);
    } else if (collection == "project_settings") {
        d.kind = "ProjectSettings";
        d.target = lookup_settings_project(conn, id);
        d.permission = read ? "project:read" : "project:update";
    } else if (collection == "role_bindings") {
        d.rule = Rule::GrantRules;  // visibility and grant rules live with the bindings
    } else if (collection == "roles" && read) {
        d.rule = Rule::Open;
    } else if (collection == "users" && read && seg[1] == "me") {
        d.rule = Rule::Open;  // every caller may ask who it is
    } else if (collection == "users" && read) {
        // Everyone may read their own user.
        const auto rs = conn.exec("SELECT username FROM users WHERE id = ? AND deleted_at IS NULL", {id});
        const auto& principal = principal_of(req);
        if (!rs.rows.empty() && store::text_of(rs.rows[0][0]) == principal.username)
            d.rule = Rule::Open;
        else
            d.rule = Rule::GlobalOnly;
    } else {
        d.rule = Rule::GlobalOnly;
    }
    return d;
}

// Denials beyond the principal's rate are counted instead of written one by one (a refused
// read must not cost a row each), and their count goes in a summary row.
void audit_denied_token_read(ApiContext& ctx, store::Connection& conn, const Principal& principal, const Decision& d,
                             const std::string& reason) {
    auto record = audit_record(principal, "credential", d.id, "fetch_token", kAuditDenied, reason);
    DeniedReadLimiter::Admission admission{true, 0};
    if (ctx.denied_reads != nullptr) admission = ctx.denied_reads->admit(record, DeniedReadLimiter::Clock::now());
    if (!admission.write) return;
    try {
        store::Transaction tx(conn, store::TxMode::Write);
        if (admission.unwritten > 0) write_audit(conn, summary_record(record, admission.unwritten));
        write_audit(conn, record);
        tx.commit();
    } catch (const std::exception& e) {
        // The read is refused either way; the missing record is an operator's problem.
        spdlog::error("could not write the audit record of a denied token read: {}", e.what());
        throw ApiError::unavailable("audit record could not be written");
    }
}

// The caller may not know the object exists: the answer for one that does not.
[[noreturn]] void hide(const Decision& d) {
    throw ApiError::not_found(d.kind + " with id='" + d.id.substr(0, 128) + "' not found");
}

// A runner refused, with the runner policy's status and reason.
[[noreturn]] void refuse(ApiContext& ctx, store::Connection& conn, const Principal& principal, const Decision& d,
                         int status, const std::string& reason) {
    if (d.permission == "credential:fetch_token") audit_denied_token_read(ctx, conn, principal, d, reason);
    if (status == 404) hide(d);
    throw ApiError::forbidden(reason);
}

// A user refused: 404 hides the object, 403 says only `Forbidden`. `why` (empty for a 404)
// goes to the audit record of a denied token read and to the debug log, never to the caller.
[[noreturn]] void refuse_user(ApiContext& ctx, store::Connection& conn, const Principal& principal, const Decision& d,
                              int status, const std::string& why) {
    if (d.permission == "credential:fetch_token") audit_denied_token_read(ctx, conn, principal, d, why);
    if (status == 404) hide(d);
    forbid(principal.username + ": " + why);
}

// A session named as the parent of a session being created or changed must be one the
// caller may read: linking to another's session would otherwise reveal that it exists
// (and attach to it). Refused exactly as for a parent that does not exist.
void check_parent_session(store::Connection& conn, const Access& access, const http::Request& req,
                          const std::vector<std::string_view>& segments) {
    const bool create = req.method == "POST" && segments.size() == 1;
    const bool patch = req.method == "PATCH" && segments.size() == 2;
    if (segments.empty() || segments[0] != "sessions" || !(create || patch)) return;
    const auto parent = body_field(req, "parent_session_id");
    if (parent.empty()) return;
    const auto target = lookup_session(conn, parent);
    if (!target || !access.allows("session:read", *target)) forbid("parent session " + parent.substr(0, 128));
}

// Reads hide, writes refuse. A read of an object no binding of the caller covers is a
// 404, worded as for one that does not exist. A write to it — or a create in a project the
// caller cannot see — is a 403 `Forbidden`, and so is a write to an object that does not
// exist, unless the caller could write it wherever it were (a global grant, a platform
// admin): then the 404 tells them nothing they could not read. Either way the answer is no
// oracle of existence.
[[noreturn]] void refuse_unseen(ApiContext& ctx, store::Connection& conn, const Principal& principal,
                                const Access& access, const Decision& d, bool write) {
    const bool could_write_anywhere =
        !d.target && (access.is_platform_admin() || access.allows_everywhere(d.permission));
    if (!(write || d.creates) || could_write_anywhere) {
        refuse_user(ctx, conn, principal, d, 404, "");
    }
    refuse_user(ctx, conn, principal, d, 403, "no binding covers " + d.kind + " '" + d.id.substr(0, 128) + "'");
}

void authorize_user(ApiContext& ctx, store::Connection& conn, const Principal& principal, const Access& access,
                    const http::Request& req, const http::Route& route) {
    // Service-only permissions are checked like any other, so that a platform admin gets
    // 403 as every user does.
    if (access.is_platform_admin() && !is_service_only(route.permission)) return;
    const auto d = decide_route(conn, req, route);
    switch (d.rule) {
        case Rule::Listed:
        case Rule::Open:
            return;
        case Rule::GrantRules:
            // PATCH or DELETE of one binding: refused alike whether it is missing or unseen.
            if (req.method != "GET" && !d.id.empty()) check_binding_writable(conn, principal, d.id);
            return;
        case Rule::GlobalOnly:
            if (access.allows_everywhere(d.permission)) return;
            refuse_user(ctx, conn, principal, d, 403, d.permission + " needs a global grant");
        case Rule::Targeted:
            break;
    }
    if (!d.target || !access.sees(*d.target)) refuse_unseen(ctx, conn, principal, access, d, req.method != "GET");
    if (access.allows(d.permission, *d.target)) {
        check_parent_session(conn, access, req, segments_after_base(route.pattern));
        return;
    }
    refuse_user(ctx, conn, principal, d, 403,
                "no binding grants " + d.permission + " on " + d.kind + " '" + d.id.substr(0, 128) + "'");
}

// The user's bindings as of now: from the cache while nothing was written since they were
// loaded, else from storage.
std::shared_ptr<const Access> current_access(ApiContext& ctx, store::Connection& conn, const std::string& username) {
    const auto generation = ctx.notifier.generation(Channel::Events);
    auto access = ctx.access_cache != nullptr ? ctx.access_cache->find(username, generation) : nullptr;
    if (access == nullptr) {
        access = std::make_shared<const Access>(load_user_bindings(conn, username));
        if (ctx.access_cache != nullptr) ctx.access_cache->store(username, generation, access);
    }
    return access;
}

void authorize_or_throw(ApiContext& ctx, http::Request& req, const http::Route& route) {
    Principal* principal = mutable_principal(req);
    if (principal == nullptr) throw ApiError::forbidden("Forbidden");
    if (principal->kind == Principal::Kind::Service) {
        static const auto admin = std::make_shared<const Access>(Access::platform_admin());
        principal->access = admin;
        return;
    }
    auto lease = ctx.db.acquire();
    if (principal->kind == Principal::Kind::Runner) {
        const auto d = decide_route(*lease, req, route);
        const bool targeted = d.rule == Rule::Targeted;
        const auto refusal =
            runner_refusal(*lease, *principal, targeted ? d.target : std::nullopt, targeted && !d.target, d.permission);
        if (refusal) refuse(ctx, *lease, *principal, d, refusal->status, refusal->reason);
        return;
    }
    principal->access = current_access(ctx, *lease, principal->username);
    authorize_user(ctx, *lease, *principal, *principal->access, req, route);
}

}  // namespace

bool reauthorize_stream(ApiContext& ctx, Principal& principal, const std::string& permission,
                        const std::string& session_id) {
    switch (principal.kind) {
        case Principal::Kind::Service:
            return true;
        case Principal::Kind::Runner:
            return ctx.runner_tokens != nullptr &&
                   ctx.runner_tokens->session_live(principal.session_id, principal.project_id, principal.run_id);
        case Principal::Kind::User:
            break;
    }
    auto lease = ctx.db.acquire();
    principal.access = current_access(ctx, *lease, principal.username);
    if (session_id.empty()) return true;
    const auto target = lookup_session(*lease, session_id);
    return target && principal.access->allows(permission, *target);
}

void authorize_request(ApiContext& ctx, http::Request& req, const http::Route& route) {
    try {
        authorize_or_throw(ctx, req, route);
    } catch (const ApiError&) {
        throw;
    } catch (const WouldBlock&) {
        throw;
    } catch (const store::Unavailable& e) {
        throw ApiError::database_unavailable(std::string("authorization check: ") + e.what());
    } catch (const std::exception& e) {
        spdlog::error("authorization check failed: {}", e.what());
        throw ApiError::unavailable("authorization check failed");
    }
}

}  // namespace ambient::api::authz
