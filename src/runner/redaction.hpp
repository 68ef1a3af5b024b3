#pragma once
// Redaction: every secret value the runner injected — and its base64, base64url and
// percent-encoded forms — becomes "[REDACTED]" in everything the runner emits (AG-UI events,
// session messages, logs, error texts), and so do tokens recognised by their shape (ghp_…,
// github_pat_…, glpat-…, sk-ant-…, xox?-…, AKIA…; see redaction/token_shapes.hpp). Values are
// kept for the runner's whole life: a secret removed from the agent's environment after a
// turn may still come back in later output.
//
// One pass over a text finds every form of every secret (an Aho-Corasick automaton, rebuilt
// only when a new secret is added) and a second, hand-written one the shaped tokens; a text
// with nothing to redact costs those two passes and one copy. Matches that overlap are
// replaced as one.
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runner/redaction/span.hpp"

namespace ambient::runner {

inline constexpr std::string_view kRedacted = "[REDACTED]";

class Redactor {
public:
    Redactor();
    ~Redactor();
    Redactor(const Redactor&) = delete;
    Redactor& operator=(const Redactor&) = delete;

    // Values shorter than kMinSecretLength are ignored: redacting "a" would shred every text.
    // A value with whitespace around it counts with and without. Thread-safe.
    static constexpr std::size_t kMinSecretLength = 6;
    void add_secrets(const std::vector<std::string>& values);

    // `text` with every known secret and secret-shaped token replaced. Thread-safe.
    std::string redact(std::string_view text) const;
    // The same, in place; true when something was replaced. Thread-safe.
    bool redact_in_place(std::string& text) const;
    // Every string in `value` (object keys too), at any depth, redacted in place. Thread-safe.
    void redact_json(nlohmann::json& value) const;

    // The longest text a match can span: at most this much, less one byte, is ever held back
    // by a StreamRedactor.
    std::size_t max_match_length() const;

private:
    friend class StreamRedactor;
    struct Matcher;  // the compiled secrets: immutable, so scans share it without a lock
    struct Scan {
        std::vector<redaction::Span> spans;  // what to replace, sorted, disjoint
        // Text that follows can add matches only from here on (text.size() for a complete text).
        std::size_t settled = 0;
    };
    std::shared_ptr<const Matcher> matcher() const;
    static Scan scan(const Matcher& matcher, std::string_view text, bool complete);

    mutable std::mutex mutex_;
    std::set<std::string> secrets_;           // the values added, to rebuild the matcher
    std::shared_ptr<const Matcher> matcher_;  // replaced, never modified
};

// Redacts a text that arrives in pieces (a streamed message): a secret split across pieces is
// still caught. Each push returns what can no longer change — all but a tail that could still
// be the start of a match (at most max_match_length() - 1 bytes), never part of a secret,
// never a partial UTF-8 character; a secret's "[REDACTED]" goes out once the secret is
// complete — and finish() the rest. Together they are exactly redact() of the whole text
// (with the secrets known at the time), however it was cut. One per stream: not thread-safe
// itself; `redactor` outlives it.
class StreamRedactor {
public:
    explicit StreamRedactor(const Redactor& redactor) : redactor_(redactor) {}
    // What may be emitted now (often empty for a short piece).
    std::string push(std::string_view piece);
    // The rest, at the end of the stream; the redactor can then be used for another stream.
    std::string finish();
    // Bytes held back, not yet emitted.
    std::size_t held() const { return pending_.size(); }

private:
    std::string take(bool complete);

    const Redactor& redactor_;
    std::string pending_;
    // The first covered_ bytes of pending_ belong to a match whose "[REDACTED]" went out
    // already, and which a match overlapping them would extend.
    std::size_t covered_ = 0;
};

}  // namespace ambient::runner
