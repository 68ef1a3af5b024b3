#pragma once
// Each command group registers its subcommands on the root. One file per group:
//   cmd_identity.cpp     login, logout, whoami, version, config, project, completion
//   cmd_get.cpp          get, describe
//   cmd_write.cpp        create, delete, patch, start, stop
//   cmd_session.cpp      session send | messages | events
//   cmd_agent.cpp        agent …
//   cmd_credential.cpp   credential …, grant
//   cmd_role_binding.cpp role-binding …
//   cmd_inbox.cpp        inbox …
//   cmd_audit.cpp        audit
//   cmd_apply.cpp        apply (and the -f half of delete, in manifest_delete)
// A command's callback throws CliError on failure; main() prints it and exits with its code.
#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace ambient::cli {

void register_identity(CLI::App& app, Context& ctx);
void register_get(CLI::App& app, Context& ctx);
void register_write(CLI::App& app, Context& ctx);
void register_session(CLI::App& app, Context& ctx);
void register_agent(CLI::App& app, Context& ctx);
void register_credential(CLI::App& app, Context& ctx);
void register_role_binding(CLI::App& app, Context& ctx);
void register_inbox(CLI::App& app, Context& ctx);
void register_audit(CLI::App& app, Context& ctx);
void register_apply(CLI::App& app, Context& ctx);
// Registered last: it walks the whole command tree.
void register_completion(CLI::App& app);

}  // namespace ambient::cli
