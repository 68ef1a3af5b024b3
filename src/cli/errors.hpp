#pragma once
// What a command that fails throws: one line for stderr and the process's exit code. main()
// prints "Error: <message>" and exits with the code; nothing else reaches the user.
#include <stdexcept>
#include <string>

namespace ambient::cli {

// The exit codes, documented in docs/cli.md. Scripts that only test for success keep working
// (every failure is non-zero); those that care can tell a missing object from a refusal.
enum ExitCode : int {
    kExitOk = 0,
    kExitUsage = 1,      // bad flags or arguments, invalid input (HTTP 400, 405, 413, 415)
    kExitNotFound = 2,   // HTTP 404, or a name that resolves to nothing
    kExitForbidden = 3,  // HTTP 401 or 403, not logged in
    kExitConflict = 4,   // HTTP 409
    kExitServer = 5,     // HTTP 5xx or 429, the network, a stream that broke
};

class CliError : public std::runtime_error {
public:
    CliError(std::string message, int exit_code = kExitUsage)
        : std::runtime_error(std::move(message)), exit_code_(exit_code) {}
    int exit_code() const { return exit_code_; }

private:
    int exit_code_;
};

inline CliError usage_error(std::string message) {
    return CliError(std::move(message), kExitUsage);
}

// The exit code for an HTTP status the server answered with.
int exit_code_for_status(int status);

}  // namespace ambient::cli
