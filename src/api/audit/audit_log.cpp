#include "api/audit/audit_log.hpp"

#include "common/ksuid.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

const char* actor_kind_of(Principal::Kind kind) {
    switch (kind) {
        case Principal::Kind::Service:
            return "service";
        case Principal::Kind::User:
            return "user";
        case Principal::Kind::Runner:
            return "runner";
    }
    return "user";
}

std::string actor_of(const Principal& principal) {
    if (principal.kind == Principal::Kind::Runner) return "runner:" + principal.session_id;
    // An unauthenticated request reaches here only as a refusal; it still needs an actor.
    return principal.username.empty() ? std::string("anonymous") : principal.username;
}

store::SqlValue text_or_null(const std::string& s) {
    return s.empty() ? store::SqlValue{} : store::SqlValue{s};
}

}  // namespace

AuditRecord audit_record(const Principal& principal, std::string target_kind, std::string target_id, std::string action,
                         std::string outcome, std::string reason) {
    AuditRecord record;
    record.actor = actor_of(principal);
    record.actor_kind = actor_kind_of(principal.kind);
    if (principal.kind == Principal::Kind::Runner) record.session_id = principal.session_id;
    record.target_kind = std::move(target_kind);
    record.target_id = std::move(target_id);
    record.action = std::move(action);
    record.outcome = std::move(outcome);
    record.reason = std::move(reason);
    return record;
}

// A plain INSERT, not repo::insert: audit records are not objects anyone watches, so they
// write no `events` row and never appear in ?watch=true streams.
void write_audit(store::Connection& conn, const AuditRecord& record) {
    const auto now = now_rfc3339();
    conn.exec(
        "INSERT INTO audit_events (id, created_at, updated_at, actor, actor_kind, session_id, target_kind, "
        "target_id, action, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {new_ksuid(), now, now, record.actor, record.actor_kind, text_or_null(record.session_id), record.target_kind,
         text_or_null(record.target_id), record.action, record.outcome, text_or_null(record.reason)});
}

}  // namespace ambient::api
