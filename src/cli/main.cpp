// acpctl: the command line of the Ambient platform (upstream's commands and flags; see
// docs/cli.md). Every failure is one line on stderr, "Error: <what>", and an exit code that
// says what kind of failure it was (cli/errors.hpp).
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "common/version.hpp"

using namespace ambient::cli;

int main(int argc, char** argv) {
    // A closed pipe (`acpctl get sessions | head -1`) ends the program quietly.
    std::signal(SIGPIPE, SIG_DFL);
    std::ios::sync_with_stdio(false);

    Context ctx;
    CLI::App app{"acpctl: drive the Ambient platform from the command line", "acpctl"};
    app.set_version_flag("--version", std::string("acpctl version ") + ambient::kPlatformVersion);
    app.require_subcommand(1);
    // Global flags may come before or after the subcommand.
    app.fallthrough();
    app.add_option("--api-url", ctx.globals.api_url, "API server URL for this invocation (overrides AMBIENT_API_URL)");
    app.add_flag("--insecure-skip-tls-verify", ctx.globals.insecure_skip_tls_verify,
                 "Do not verify the server's TLS certificate");
    app.add_option("--stream-idle-timeout", ctx.globals.stream_idle_timeout,
                   "Resume a followed stream (-w, -f, events) silent this long, not even a ping (default: 3 of "
                   "the server's ping intervals: 90s, 45s for events)");

    register_identity(app, ctx);
    register_get(app, ctx);
    register_write(app, ctx);
    register_session(app, ctx);
    register_agent(app, ctx);
    register_credential(app, ctx);
    register_role_binding(app, ctx);
    register_inbox(app, ctx);
    register_audit(app, ctx);
    register_apply(app, ctx);
    register_completion(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cout.flush();
        std::cerr << "Error: " << e.what() << "\n";
        return kExitUsage;
    } catch (const CliError& e) {
        std::cout.flush();
        std::cerr << "Error: " << e.what() << "\n";
        return e.exit_code();
    } catch (const std::exception& e) {
        std::cout.flush();
        std::cerr << "Error: " << e.what() << "\n";
        return kExitServer;
    }
    std::cout.flush();
    return std::cout.good() ? kExitOk : kExitServer;
}
