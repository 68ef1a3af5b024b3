#pragma once
// A runner's log (<session dir>/runner.log): its stdout and stderr, appended directly by the
// runner. We only read it (its listening line, its last lines when it ends) and cap it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace ambient::controlplane {

// The port of the runner's "ambient-runner listening on HOST:PORT (AG-UI)" line written at
// or after byte `from`.
std::optional<std::uint16_t> find_listening_port(const std::filesystem::path& log, std::uintmax_t from);

// The last `max_lines` lines of the file, at most `max_bytes` (cut at a line start).
std::string last_log_lines(const std::filesystem::path& log, std::size_t max_lines = 20, std::size_t max_bytes = 2048);

// Past `cap` bytes, the log is copied to <log>.1 (replacing the previous one) and truncated
// in place: the runner's descriptor is in append mode, so it writes on at the new end. A line
// written between the copy and the truncation is lost — the price of never making the
// runner wait. Returns true when it rotated.
bool cap_log(const std::filesystem::path& log, std::uintmax_t cap);

}  // namespace ambient::controlplane
