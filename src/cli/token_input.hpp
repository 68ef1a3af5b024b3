#pragma once
// Secrets on acpctl's command line are visible to every user of the machine (ps, /proc, shell
// history), so credential tokens are read from a file or from stdin instead; --token is kept
// only for upstream's scripts, with a warning.
#include <string>

namespace ambient::cli {

// The secret in `path` ("-": stdin), trailing newlines (LF or CRLF) removed, as `echo` and
// editors leave them. A file that cannot be read, or one over 1 MiB, is a usage error.
std::string read_secret(const std::string& path);

// Which token a create/update/rotate sends: read from --token-file when given, else the
// --token value (with the warning on stderr). Both at once is a usage error. nullopt-like
// result: `given` is false when neither flag was used.
struct TokenChoice {
    bool given = false;
    std::string token;
};
TokenChoice choose_token(const std::string& token_file, bool token_file_given, const std::string& token_flag,
                         bool token_flag_given);

}  // namespace ambient::cli
