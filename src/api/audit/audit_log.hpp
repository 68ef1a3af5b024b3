#pragma once
// Audit records: who read which credential token (allowed or denied), who created,
// changed or deleted credentials and role bindings. Stored in `audit_events` in the same
// database, in the same transaction as the change, and never holding a secret.
#include <string>

#include "api/auth/principal.hpp"
#include "api/store/database.hpp"

namespace ambient::api {

inline constexpr const char* kAuditAllowed = "allowed";
inline constexpr const char* kAuditDenied = "denied";

struct AuditRecord {
    std::string actor;        // username, service name, or runner:<session id>
    std::string actor_kind;   // user, service, runner
    std::string session_id;   // runner callers: their session
    std::string target_kind;  // credential, role_binding
    std::string target_id;
    std::string action;   // fetch_token, create, update, delete
    std::string outcome;  // kAuditAllowed or kAuditDenied
    std::string reason;   // why a request was denied; never a secret
};

// A record of `principal` doing `action` on a target.
AuditRecord audit_record(const Principal& principal, std::string target_kind, std::string target_id, std::string action,
                         std::string outcome, std::string reason = {});

// Inserts the record through `conn` (the caller's transaction). Throws on failure, so a
// write that must be audited fails with it.
void write_audit(store::Connection& conn, const AuditRecord& record);

}  // namespace ambient::api
