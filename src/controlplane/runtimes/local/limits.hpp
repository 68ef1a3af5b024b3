#pragma once
// A runner's resource limits: the control plane's defaults (--runner-memory, --runner-pids,
// --runner-cpu) and what a session's `resource_overrides` asks for instead.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ambient::controlplane {

struct RunnerLimits {
    std::uint64_t memory_bytes = 2ull << 30;  // 0: no limit
    std::uint64_t pids = 512;                 // 0: no limit
    std::chrono::seconds cpu{0};              // CPU time (RLIMIT_CPU); 0: no limit
};

// "512Mi", "2Gi", "1G", "100M", "65536" (bytes), "1.5Gi": Kubernetes quantity suffixes
// (Ki Mi Gi Ti, k K M G T). nullopt for anything else.
std::optional<std::uint64_t> parse_memory(std::string_view text);

// CPU time: whole seconds ("600") or a duration ("10m", "1h"). nullopt for anything else.
std::optional<std::chrono::seconds> parse_cpu_time(std::string_view text);

class ResourceOverridesError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// `resource_overrides` is an opaque string upstream (JSON text a client fills). Accepted: a
// JSON object with "memory", "pids" and "cpu_time" (or "cpuTime"), either at the top level
// or under "limits" or "resources": {"limits": …} (the Kubernetes shape). Kubernetes' "cpu"
// (cores, a rate) has no counterpart in a CPU-time limit and is ignored. A value given wins
// over the default (it must be positive: an override cannot lift a limit altogether); an
// empty string means the defaults. Throws ResourceOverridesError naming the field.
RunnerLimits apply_resource_overrides(const RunnerLimits& defaults, const std::string& overrides);

std::string describe_limits(const RunnerLimits& limits);

}  // namespace ambient::controlplane
