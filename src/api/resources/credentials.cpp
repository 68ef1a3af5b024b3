// Credentials: /api/ambient/v1/credentials, and the same handlers under a project. The
// token is write-only: accepted on create and patch, stored sealed (AES-256-GCM, see
// credentials/keyring.hpp), never rendered — not in responses, not in events rows — and
// read back only through the /token route.
//
//   GET    /credentials                                   list     credential:list
//   POST   /credentials                                   create   credential:create
//   GET    /credentials/{id}                              get      credential:read
//   PATCH  /credentials/{id}                              patch    credential:update
//   DELETE /credentials/{id}                              delete   credential:delete
//   GET    /credentials/{id}/token                        token    credential:fetch_token
//   GET    /projects/{id}/credentials                     list     credential:list    (the project's only)
//   POST   /projects/{id}/credentials                     create   credential:create  (project_id from the URL)
//   GET    /projects/{id}/credentials/{cred_id}           get      credential:read
//   PATCH  /projects/{id}/credentials/{cred_id}           patch    credential:update
//   DELETE /projects/{id}/credentials/{cred_id}           delete   credential:delete
//   GET    /projects/{id}/credentials/{cred_id}/token     token    credential:fetch_token
//
// Project routes answer 404 for an unknown project and for a credential of another project.
//
// Audit (audit/audit_log.hpp): every token read writes an audit_events row (fetch_token,
// allowed) in the transaction that reads the token, and the read fails when that write
// fails; create, update and delete each write one (create/update/delete, allowed) in the
// write's transaction. Refusals are recorded by the authorization layer, not here.
#include <spdlog/spdlog.h>

#include "api/audit/audit_log.hpp"
#include "api/credentials/keyring.hpp"
#include "api/crud.hpp"
#include "api/resources/owner_bindings.hpp"
#include "api/resources/resources.hpp"
#include "common/ksuid.hpp"

namespace ambient::api {
namespace {

using store::TxMode;

constexpr const char* kToken = "token";
constexpr const char* kProjectId = "project_id";
// Set by in_project() for the handlers it wraps: the project named by the URL.
constexpr const char* kProjectParam = "project_id";
constexpr const char* kAuditTarget = "credential";

// An allowed action of the caller on a credential; never carries the token.
void audit(store::Connection& conn, const http::Request& req, const std::string& credential_id, const char* action) {
    write_audit(conn, audit_record(principal_of(req), kAuditTarget, credential_id, action, kAuditAllowed));
}

// Replaces a plaintext token in `row` by its sealed envelope; an empty token means none.
void seal_token(const credentials::Keyring& keyring, const std::string& credential_id, model::Row& row) {
    auto it = row.find(kToken);
    if (it == row.end()) return;
    const auto& plaintext = model::text_of(row, kToken);
    if (plaintext.empty()) {
        it->second = std::monostate{};
        return;
    }
    it->second = keyring.seal(credential_id, plaintext);
}

void prepare_new(store::Connection& conn, const credentials::Keyring& keyring, model::Row& row) {
    if (auto it = row.find(kProjectId); it != row.end() && model::text_of(row, kProjectId).empty()) {
        it->second = std::monostate{};
    }
    const auto& project = model::text_of(row, kProjectId);
    if (!project.empty() && !project_exists(conn, project)) {
        throw ApiError::validation("project '" + project.substr(0, 63) + "' does not exist");
    }
    // The id is the associated data of the sealed token, so it is chosen before sealing.
    const auto id = new_ksuid();
    row[model::kIdColumn] = id;
    seal_token(keyring, id, row);
}

http::Handler create_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& schema = credential_schema();
        auto row = create_body(schema, req);
        if (const auto& project = req.param(kProjectParam); !project.empty()) row[kProjectId] = project;
        const auto stored = in_transaction(ctx, TxMode::Write, schema, [&](store::Connection& conn) {
            prepare_new(conn, ctx.keyring, row);
            auto inserted = repo::insert(conn, schema, std::move(row));
            audit(conn, req, model::text_of(inserted, model::kIdColumn), write_action_name(WriteKind::Create));
            bind_creator(conn, principal_of(req), "credential:owner", "credential",
                         model::text_of(inserted, model::kIdColumn));
            return inserted;
        });
        return json_response(201, model::render(schema, stored));
    };
}

// The token is read, decrypted and its read audited in one write transaction: when the
// audit row cannot be written the transaction rolls back and the client gets an error body
// and no token (fail closed).
http::Handler token_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& schema = credential_schema();
        const auto& id = req.param(Crud::kIdParam);
        struct Read {
            std::string provider;
            std::string token;
        };
        const auto read = in_transaction(ctx, TxMode::Write, schema, [&](store::Connection& conn) {
            const auto row = repo::find(conn, schema, id);
            if (!row) throw not_found(schema, id);
            Read out{model::text_of(*row, "provider"), {}};
            if (const auto& sealed = model::text_of(*row, kToken); !sealed.empty()) {
                try {
                    out.token = ctx.keyring.open(id, sealed);
                } catch (const credentials::SealedValueError& e) {
                    // The cause is for the operator; the client learns only that it failed.
                    spdlog::error("credential {}: the stored token cannot be decrypted (op={}): {}", id,
                                  req.operation_id, e.what());
                    throw ApiError(500, ErrorCode::General, "The credential's token cannot be read");
                }
            }
            try {
                audit(conn, req, id, "fetch_token");
            } catch (const std::exception& e) {
                spdlog::error("credential {}: the token read could not be audited, refusing it (op={}): {}", id,
                              req.operation_id, e.what());
                throw;  // mapped to 500 (503 when the database is unavailable) by in_transaction
            }
            return out;
        });
        auto response = json_response(200, {{"credential_id", id}, {"provider", read.provider}, {"token", read.token}});
        response.set_header("Cache-Control", "no-store");
        return response;
    };
}

bool belongs_to_project(store::Connection& conn, const std::string& credential_id, const std::string& project_id) {
    return !conn.exec("SELECT 1 FROM credentials WHERE id = ? AND project_id = ? AND deleted_at IS NULL",
                      {credential_id, project_id})
                .rows.empty();
}

// Runs a credential handler for /projects/{id}/credentials[/{cred_id}...]: checks that the
// project exists and holds the credential, then hands the inner handler the parameters of
// the global routes it was written for ({id} = the credential, project_id = the project).
http::Handler in_project(ApiContext& ctx, http::Handler inner) {
    return [&ctx, inner = std::move(inner)](http::Request& req) {
        const std::string project = req.param("id");
        const std::string credential = req.param("cred_id");
        in_transaction(ctx, TxMode::Read, credential_schema(), [&](store::Connection& conn) {
            if (!project_exists(conn, project)) throw not_found(project_schema(), project);
            if (!credential.empty() && !belongs_to_project(conn, credential, project)) {
                throw not_found(credential_schema(), credential);
            }
        });
        req.path_params[kProjectParam] = project;
        if (credential.empty()) {
            req.path_params.erase(Crud::kIdParam);
        } else {
            req.path_params[Crud::kIdParam] = credential;
        }
        return inner(req);
    };
}

CrudHooks hooks(ApiContext& ctx) {
    CrudHooks h;
    h.before_update = [&ctx](store::Connection&, const model::Row& current, model::Row& changes) {
        // A new token replaces the old one, sealed with the active key version.
        seal_token(ctx.keyring, model::text_of(current, model::kIdColumn), changes);
    };
    h.before_delete = [](store::Connection& conn, const model::Row& current) {
        // A deleted credential keeps no secret, and no grants.
        const auto& id = model::text_of(current, model::kIdColumn);
        conn.exec("UPDATE credentials SET token = NULL WHERE id = ?", {id});
        for (const auto& cells :
             conn.exec("SELECT id FROM role_bindings WHERE credential_id = ? AND deleted_at IS NULL", {id}).rows) {
            repo::remove(conn, role_binding_schema(), std::get<std::string>(cells[0]));
        }
    };
    h.after_write = [](store::Connection& conn, const http::Request& req, WriteKind kind, const model::Row& row) {
        audit(conn, req, model::text_of(row, model::kIdColumn), write_action_name(kind));
    };
    h.list_project = [](const http::Request& req) -> std::optional<std::string> {
        if (const auto& project = req.param(kProjectParam); !project.empty()) return project;
        return std::nullopt;
    };
    return h;
}

}  // namespace

const model::KindSchema& credential_schema() {
    static const model::KindSchema schema{
        "Credential",
        "credentials",
        "credentials",
        "Credentials",
        {
            {.name = "name", .required = true},
            {.name = "description"},
            {.name = "provider",
             .required = true,
             .description = "Free text; known values: github, gitlab, jira, google, vertex, kubeconfig"},
            {.name = "token",
             .write_only = true,
             .description = "The secret. Write-only: accepted on create and patch, never returned; read it with "
                            "GET /credentials/{id}/token"},
            {.name = "url"},
            {.name = "email"},
            {.name = "labels", .description = "JSON text"},
            {.name = "annotations", .description = "JSON text"},
            {.name = "project_id",
             .patchable = false,
             .description =
                 "Extension: the project the credential belongs to (set by POST /projects/{id}/credentials); "
                 "absent for a global credential"},
        },
    };
    return schema;
}

void register_credentials(http::Router& router, ApiContext& ctx) {
    const Crud crud(ctx, credential_schema(), hooks(ctx));
    const std::string base = std::string(model::kApiBasePath) + "/credentials";
    router.add({"GET", base, crud.list(), false, "List credentials", "credential:list"});
    router.add({"POST", base, create_handler(ctx), false, "Create a credential", "credential:create"});
    router.add({"GET", base + "/{id}", crud.get(), false, "Get a credential (never its token)", "credential:read",
                http::Runs::OnIoThread, crud.get_on_io_thread()});
    router.add({"PATCH", base + "/{id}", crud.patch(), false, "Update a credential; a new token replaces the old",
                "credential:update"});
    router.add({"DELETE", base + "/{id}", crud.remove(), false, "Delete a credential", "credential:delete"});
    router.add({"GET", base + "/{id}/token", token_handler(ctx), false, "Read a credential's decrypted token",
                "credential:fetch_token"});

    const std::string nested = std::string(model::kApiBasePath) + "/projects/{id}/credentials";
    router.add({"GET", nested, in_project(ctx, crud.list()), false, "List a project's credentials", "credential:list"});
    router.add({"POST", nested, in_project(ctx, create_handler(ctx)), false, "Create a credential in a project",
                "credential:create"});
    router.add({"GET", nested + "/{cred_id}", in_project(ctx, crud.get()), false, "Get a project's credential",
                "credential:read"});
    router.add({"PATCH", nested + "/{cred_id}", in_project(ctx, crud.patch()), false, "Update a project's credential",
                "credential:update"});
    router.add({"DELETE", nested + "/{cred_id}", in_project(ctx, crud.remove()), false, "Delete a project's credential",
                "credential:delete"});
    router.add({"GET", nested + "/{cred_id}/token", in_project(ctx, token_handler(ctx)), false,
                "Read a project credential's decrypted token", "credential:fetch_token"});
}

}  // namespace ambient::api
