#pragma once
// Tokens recognised by their shape rather than their value, so that a credential the runner
// never injected (one the agent found, or printed from its own environment) is still redacted:
//   ghp_ gho_ ghs_ ghu_ ghr_  GitHub classic, OAuth, app, user-to-server and refresh tokens
//   github_pat_               GitHub fine-grained personal access tokens
//   glpat-                    GitLab personal access tokens
//   sk-ant-                   Anthropic API keys
//   xox?-                     Slack tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-, …)
//   AKIA, ASIA + 16 [0-9A-Z]  AWS access key ids (long-lived and temporary)
// Each is its prefix followed by a run of the characters its issuer uses, at least 20 of them
// (10 for Slack), at most 255: a prefix alone, or an identifier such as `ghp_token`, is not
// a token.
#include <cstddef>
#include <string_view>
#include <vector>

#include "runner/redaction/span.hpp"

namespace ambient::runner::redaction {

// Appends the span of each token in `text`, scanning left to right (a token's bytes are not
// searched again). When `complete` is false, more text may follow: a token that could still
// grow, or a prefix cut short, is not reported, and its start is returned. Otherwise (and
// when there is none) returns text.size().
std::size_t scan_token_shapes(std::string_view text, bool complete, std::vector<Span>& out);

// The longest token a shape matches.
std::size_t longest_token_shape();

}  // namespace ambient::runner::redaction
