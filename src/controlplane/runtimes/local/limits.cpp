#include "controlplane/runtimes/local/limits.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/duration.hpp"

namespace ambient::controlplane {
namespace {

// The longest CPU time a limit may name: longer is a typo.
constexpr std::chrono::seconds kMaxCpu{7 * 24 * 3600};

const nlohmann::json* find_limits(const nlohmann::json& j) {
    if (auto r = j.find("resources"); r != j.end() && r->is_object()) {
        if (auto l = r->find("limits"); l != r->end() && l->is_object()) return &*l;
        return &*r;
    }
    if (auto l = j.find("limits"); l != j.end() && l->is_object()) return &*l;
    return &j;
}

std::string text_of(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_unsigned() || v.is_number_integer()) return v.dump();
    return {};
}

}  // namespace

std::optional<std::uint64_t> parse_memory(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, double>, 9> kSuffixes = {{
        {"Ki", 1024.0},
        {"Mi", 1024.0 * 1024},
        {"Gi", 1024.0 * 1024 * 1024},
        {"Ti", 1024.0 * 1024 * 1024 * 1024},
        {"k", 1e3},
        {"K", 1e3},
        {"M", 1e6},
        {"G", 1e9},
        {"T", 1e12},
    }};
    double scale = 1;
    for (const auto& [suffix, factor] : kSuffixes) {
        if (text.size() > suffix.size() && text.ends_with(suffix)) {
            text.remove_suffix(suffix.size());
            scale = factor;
            break;
        }
    }
    if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
    const double bytes = value * scale;
    if (bytes < 1 || bytes > 1e18) return std::nullopt;
    return static_cast<std::uint64_t>(bytes);
}

std::optional<std::chrono::seconds> parse_cpu_time(std::string_view text) {
    return parse_duration(text, kMaxCpu);
}

RunnerLimits apply_resource_overrides(const RunnerLimits& defaults, const std::string& overrides) {
    RunnerLimits out = defaults;
    if (overrides.empty()) return out;
    const auto j = nlohmann::json::parse(overrides, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw ResourceOverridesError("resource_overrides: not a JSON object");
    const auto& limits = *find_limits(j);
    if (auto m = limits.find("memory"); m != limits.end()) {
        const auto bytes = parse_memory(text_of(*m));
        if (!bytes) throw ResourceOverridesError("resource_overrides.memory: not a quantity like 512Mi or 2Gi");
        out.memory_bytes = *bytes;
    }
    if (auto p = limits.find("pids"); p != limits.end()) {
        if (!p->is_number_unsigned() || p->get<std::uint64_t>() == 0)
            throw ResourceOverridesError("resource_overrides.pids: not a positive number");
        out.pids = p->get<std::uint64_t>();
    }
    for (const char* name : {"cpu_time", "cpuTime"}) {
        if (auto c = limits.find(name); c != limits.end()) {
            const auto cpu = parse_cpu_time(text_of(*c));
            if (!cpu || cpu->count() == 0)
                throw ResourceOverridesError(std::string("resource_overrides.") + name +
                                             ": not a CPU time like 600 or 10m");
            out.cpu = *cpu;
        }
    }
    return out;
}

std::string describe_limits(const RunnerLimits& limits) {
    auto part = [](std::uint64_t v, const std::string& text) { return v == 0 ? std::string("unlimited") : text; };
    return "memory " + part(limits.memory_bytes, std::to_string(limits.memory_bytes >> 20) + " MiB") + ", pids " +
           part(limits.pids, std::to_string(limits.pids)) + ", CPU time " +
           part(static_cast<std::uint64_t>(limits.cpu.count()), std::to_string(limits.cpu.count()) + " s");
}

}  // namespace ambient::controlplane
