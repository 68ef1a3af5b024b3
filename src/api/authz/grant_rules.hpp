#pragma once
// Who may create, change, see and remove role bindings. Platform admins may do anything
// but remove the last owner of a project or of a credential (409, for everyone). Everyone else:
//
//  - grants only at scopes where they hold role_binding:create or are project:editor, and
//    only roles strictly below their own best level there (an owner grants editor or
//    viewer, never owner; an editor grants project:viewer and agent:observer);
//  - never grants a global binding, nor an internal role (agent:runner,
//    credential:token-reader) — except that the owner of a credential who is owner or
//    editor of a project may grant that credential to the project or to one of its agents
//    (credential_grants.hpp) as credential:token-reader or credential:viewer, naming a
//    user or not: how a credential is given to agents;
//  - may change only a binding's role, and only as if granting the new one;
//  - removes their own bindings, or bindings below their level where they hold
//    role_binding:delete; a credential's grant to a project, its owner or an owner or
//    editor of the project;
//  - sees their own bindings and those where they manage bindings (a credential's grant
//    to a project: on the credential or on the project).
// Reading a binding the caller cannot see is a 404; writing one is a 403 `Forbidden`, the
// same as writing one that does not exist. Every refusal's reason is `Forbidden`.
#include <string>

#include "api/auth/principal.hpp"
#include "api/model/row.hpp"
#include "api/store/database.hpp"

namespace ambient::api::authz {

void check_binding_create(store::Connection& conn, const Principal& caller, const model::Row& binding);
// PATCH, in this order so that a refused caller never learns from a 400 or 409: first
// check_binding_change (403 for a binding the caller cannot see, or for a change of
// anything but its role), then the caller validates the proposed row, then
// check_binding_update (409 for the last owner of a project or credential, then the grant
// rules).
void check_binding_change(store::Connection& conn, const Principal& caller, const model::Row& current,
                          const model::Row& proposed);
void check_binding_update(store::Connection& conn, const Principal& caller, const model::Row& current,
                          const model::Row& proposed);
void check_binding_delete(store::Connection& conn, const Principal& caller, const model::Row& current);
// Throws 404 when the caller may not see the binding.
void check_binding_visible(store::Connection& conn, const Principal& caller, const model::Row& binding);
// Before a PATCH or DELETE of binding `id` is handled: 403 `Forbidden` when it does not
// exist or the caller may not see it (platform admins pass, and get the handler's 404).
void check_binding_writable(store::Connection& conn, const Principal& caller, const std::string& id);

}  // namespace ambient::api::authz
