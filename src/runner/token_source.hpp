#pragma once
// The runner token: read from its file on every use, because the control plane rewrites the
// file (temp file + rename) well before the token expires; or BOT_TOKEN when the runner was
// given no file. Never cached past a rewrite, never logged.
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>

namespace ambient::runner {

class TokenUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class TokenSource {
public:
    // Told of every token value read that differs from the last one (the redactor learns it,
    // so the runner token never reaches what the runner emits).
    using OnNewToken = std::function<void(const std::string&)>;

    // From `file` when it is not empty, else the fixed `token`.
    TokenSource(std::filesystem::path file, std::string token, OnNewToken on_new_token = {});

    // The token as it is now (surrounding whitespace trimmed). Throws TokenUnavailable when
    // the file cannot be read or is empty; the message names the file, never its content.
    std::string current() const;

private:
    std::filesystem::path file_;
    std::string token_;
    OnNewToken on_new_token_;
    mutable std::mutex mutex_;
    mutable std::string last_seen_;
};

}  // namespace ambient::runner
