// Audit events: /api/ambient/v1/audit_events, read-only. The server writes them (see
// audit/audit_log.hpp) in the transaction of what they record: credential token reads,
// allowed or denied, and credential writes. No route creates, changes or deletes one.
//
//   GET /audit_events        list   audit_event:list   (newest first unless orderBy says otherwise)
//   GET /audit_events/{id}   get    audit_event:read
//
// Audit events write no `events` rows, so ?watch=true is refused rather than answered
// with a stream that would never carry anything.
#include "api/crud.hpp"
#include "api/resources/resources.hpp"
#include "api/watch.hpp"

namespace ambient::api {
namespace {

constexpr const char* kDefaultOrder = "created_at desc, id desc";

http::Handler list_handler(http::Handler inner) {
    return [inner = std::move(inner)](http::Request& req) {
        if (watch_requested(req)) throw ApiError::bad_request("audit events cannot be watched");
        const auto order = req.query_param("orderBy");
        if (!order || order->empty()) {
            std::erase_if(req.query, [](const auto& entry) { return entry.first == "orderBy"; });
            req.query.emplace_back("orderBy", kDefaultOrder);
        }
        return inner(req);
    };
}

model::Field read_only(std::string name, std::string description) {
    return {.name = std::move(name), .patchable = false, .settable = false, .description = std::move(description)};
}

}  // namespace

const model::KindSchema& audit_event_schema() {
    static const model::KindSchema schema{
        "AuditEvent",
        "audit_events",
        "audit_events",
        "AuditEvents",
        {
            read_only("actor", "Who acted: a username, a service name, or runner:<session id>"),
            read_only("actor_kind", "user, service or runner"),
            read_only("session_id", "For runner callers: the session their token was issued for"),
            read_only("target_kind", "What was acted on: credential, role_binding"),
            read_only("target_id", "The id of what was acted on"),
            read_only("action", "fetch_token, create, update or delete"),
            read_only("outcome", "allowed or denied"),
            read_only("reason", "Why a request was denied; never a secret"),
        },
    };
    return schema;
}

void register_audit_events(http::Router& router, ApiContext& ctx) {
    const Crud crud(ctx, audit_event_schema());
    const std::string base = std::string(model::kApiBasePath) + "/audit_events";
    router.add({"GET", base, list_handler(crud.list()), false, "List audit events (platform admins only)",
                "audit_event:list"});
    router.add({"GET", base + "/{id}", crud.get(), false, "Get an audit event (platform admins only)",
                "audit_event:read", http::Runs::OnIoThread, crud.get_on_io_thread()});
}

}  // namespace ambient::api
