#include "api/seed_admin.hpp"

#include <stdexcept>

#include "api/audit/audit_log.hpp"
#include "api/builtin_roles.hpp"
#include "api/notify/notifier.hpp"
#include "api/repository.hpp"
#include "api/resources/resources.hpp"

namespace ambient::api {

void seed_admin(store::Database& db, const std::string& username, std::ostream& out) {
    if (username.empty() || username.size() > 256) {
        throw std::invalid_argument("--username must be 1 to 256 characters");
    }
    for (unsigned char c : username) {
        if (c < 0x20 || c == 0x7f) throw std::invalid_argument("--username must not contain control characters");
    }
    const auto role_id = builtin_role_id("platform:admin");
    auto lease = db.acquire();
    store::Transaction tx(lease, store::TxMode::Write);
    const auto existing = lease->exec(
        "SELECT id FROM role_bindings WHERE role_id = ? AND scope = 'global' AND user_id = ? AND deleted_at IS NULL",
        {role_id, username});
    if (!existing.rows.empty()) {
        out << username << " is already a platform admin (binding " << std::get<std::string>(existing.rows[0][0])
            << ")\n";
        return;
    }
    const auto stored = repo::insert(*lease, role_binding_schema(),
                                     {{"role_id", role_id}, {"scope", std::string("global")}, {"user_id", username}});
    const auto& id = model::text_of(stored, "id");
    Principal operator_principal{.kind = Principal::Kind::Service, .username = "seed-admin"};
    write_audit(*lease, audit_record(operator_principal, "role_binding", id, "create", kAuditAllowed));
    tx.commit();
    // Running servers learn of the new binding's event: a NOTIFY in a statement of its own,
    // after the commit (write transactions send none themselves, pg_publisher.hpp).
    Notifier::notify_in_transaction(*lease, Channel::Events);
    out << username << " is now a platform admin (binding " << id << ")\n";
}

}  // namespace ambient::api
