#pragma once
#include <string>

namespace ambient {

// `text` as one single-quoted shell word: POSIX sh, bash, zsh and fish read it back
// unchanged (a quote inside becomes '\'').
std::string shell_quote(const std::string& text);

}  // namespace ambient
