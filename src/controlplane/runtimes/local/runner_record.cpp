#include "controlplane/runtimes/local/runner_record.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "controlplane/token_file.hpp"

namespace ambient::controlplane {

std::string record_to_json(const RunnerRecord& r) {
    nlohmann::json cgroups = nlohmann::json::array();
    for (const auto& c : r.cgroups)
        cgroups.push_back(c.string());
    return nlohmann::json{{"sandbox", sandbox_name(r.sandbox)},
                          {"pid", r.pid},
                          {"pid_start", r.pid_start},
                          {"init_pid", r.init_pid},
                          {"init_start", r.init_start},
                          {"runner_pid", r.runner_pid},
                          {"runner_start", r.runner_start},
                          {"port", r.port},
                          {"memory_bytes", r.memory_bytes},
                          {"cgroup_mode", static_cast<int>(r.cgroup_mode)},
                          {"cgroups", cgroups}}
        .dump();
}

std::optional<RunnerRecord> record_from_json(const std::string& text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    try {
        RunnerRecord r;
        r.sandbox = j.at("sandbox").get<std::string>() == "bwrap" ? SandboxKind::Bwrap : SandboxKind::None;
        r.pid = j.at("pid").get<pid_t>();
        r.pid_start = j.at("pid_start").get<std::uint64_t>();
        r.init_pid = j.value("init_pid", 0);
        r.init_start = j.value("init_start", std::uint64_t{0});
        r.runner_pid = j.value("runner_pid", 0);
        r.runner_start = j.value("runner_start", std::uint64_t{0});
        r.port = j.value("port", std::uint16_t{0});
        r.memory_bytes = j.value("memory_bytes", std::uint64_t{0});
        const int mode = j.value("cgroup_mode", 0);
        r.cgroup_mode = mode == 1 ? CgroupMode::V1 : mode == 2 ? CgroupMode::V2 : CgroupMode::None;
        for (const auto& c : j.value("cgroups", nlohmann::json::array()))
            r.cgroups.emplace_back(c.get<std::string>());
        if (r.pid <= 0) return std::nullopt;
        return r;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

void write_record(const std::filesystem::path& path, const RunnerRecord& record) {
    // The token file's writer already does temp + fsync + rename at 0600.
    write_token_file(path, record_to_json(record));
}

std::optional<RunnerRecord> read_record(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream s;
    s << in.rdbuf();
    return record_from_json(s.str());
}

}  // namespace ambient::controlplane
