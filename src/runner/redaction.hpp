#pragma once
// Redaction: every secret value the runner injected — and its base64 and URL-encoded forms —
// becomes "[REDACTED]" in everything the runner emits (AG-UI events, session messages, logs,
// error texts), and so do tokens recognised by their shape (ghp_…, github_pat_…, glpat-…,
// sk-ant-…, xoxb-…, AKIA…). Values are kept for the runner's whole life: a secret removed
// from the agent's environment after a turn may still come back in later output.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ambient::runner {

inline constexpr std::string_view kRedacted = "[REDACTED]";

class Redactor {
public:
    // Adds secret values (empty and very short ones are ignored: redacting "a" would shred
    // every text). Thread-safe.
    void add_secrets(const std::vector<std::string>& values);

    // `text` with every known secret and secret-shaped token replaced. Thread-safe.
    std::string redact(std::string_view text) const;

    // The longest text a secret match can span: how much a streaming redactor holds back.
    std::size_t max_match_length() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::string> needles_;  // values and their encodings, longest first
};

// Redacts a text that arrives in pieces (a streamed message): a secret split across two
// pieces is still caught, because the last max_match_length()-1 characters of what came in
// are held back until the next piece, or finish().
class StreamRedactor {
public:
    explicit StreamRedactor(const Redactor& redactor) : redactor_(redactor) {}
    // What may be emitted now.
    std::string push(std::string_view piece);
    // The rest, at the end of the stream.
    std::string finish();

private:
    const Redactor& redactor_;
    std::string pending_;
};

}  // namespace ambient::runner
