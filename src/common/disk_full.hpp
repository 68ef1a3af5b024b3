#pragma once
// Tells a failure caused by a full workspace disk from others, so that the reason a user
// reads says "workspace disk is full" rather than the symptom git, the agent or a file
// write happened to report (the runner's turns and the control plane's session start).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace ambient {

inline constexpr std::string_view kWorkspaceDiskFull = "workspace disk is full";
// Below this, git, the agent and their temporary files cannot do useful work.
inline constexpr std::uintmax_t kNearlyFullBytes = 1024 * 1024;

// True when `message` carries the text of ENOSPC or EDQUOT, as git's errors and
// std::filesystem's do.
bool mentions_disk_full(std::string_view message);

// `reason` prefixed with "workspace disk is full (<free> bytes free at <path>): " when it
// mentions a full disk or the filesystem holding `path` leaves unprivileged writers less
// than kNearlyFullBytes; else `reason` unchanged.
std::string explain_if_disk_full(const std::filesystem::path& path, std::string reason);

}  // namespace ambient
