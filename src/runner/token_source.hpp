#pragma once
// The runner token: read from its file on every use, because the control plane rewrites the
// file (temp file + rename) well before the token expires; or BOT_TOKEN when the runner was
// given no file. Never cached past a rewrite, never logged.
#include <filesystem>
#include <stdexcept>
#include <string>

namespace ambient::runner {

class TokenUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class TokenSource {
public:
    // From `file` when it is not empty, else the fixed `token`.
    TokenSource(std::filesystem::path file, std::string token);

    // The token as it is now (surrounding whitespace trimmed). Throws TokenUnavailable when
    // the file cannot be read or is empty; the message names the file, never its content.
    std::string current() const;

private:
    std::filesystem::path file_;
    std::string token_;
};

}  // namespace ambient::runner
