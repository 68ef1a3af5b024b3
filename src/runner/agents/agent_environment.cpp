#include "runner/agents/agent_environment.hpp"

#include <algorithm>

#include "runner/agents/child_process.hpp"

namespace ambient::runner {

std::vector<std::string> agent_environment(const Environment& turn, const Environment& extra) {
    std::vector<std::string> drop = {"BOT_TOKEN",    "BOT_TOKEN_FILE", "AMBIENT_API_TOKEN", "AMBIENT_TOKEN",
                                     "GITHUB_TOKEN", "GH_TOKEN",       "GITLAB_TOKEN"};
    for (const auto& [name, value] : turn)
        drop.push_back(name);
    for (const auto& [name, value] : extra)
        drop.push_back(name);
    // The git helper's variables must come from the turn only: an inherited GIT_CONFIG_COUNT
    // would otherwise win.
    drop.push_back("GIT_TERMINAL_PROMPT");
    auto env = inherited_environment(drop, {"AMBIENT_CREDENTIAL_", "GIT_CONFIG_", "AMBIENT_GIT_"});
    for (const auto& [name, value] : extra)
        env.push_back(name + "=" + value);
    for (const auto& [name, value] : turn)
        env.push_back(name + "=" + value);
    return env;
}

std::size_t utf8_complete_prefix(std::string_view bytes) {
    // Look back at most 3 bytes for the start of an incomplete sequence.
    const std::size_t n = bytes.size();
    for (std::size_t back = 1; back <= std::min<std::size_t>(3, n); ++back) {
        const auto c = static_cast<unsigned char>(bytes[n - back]);
        if ((c & 0xC0) == 0x80) continue;  // a continuation byte: keep looking for the lead
        std::size_t need = 1;
        if ((c & 0xE0) == 0xC0)
            need = 2;
        else if ((c & 0xF0) == 0xE0)
            need = 3;
        else if ((c & 0xF8) == 0xF0)
            need = 4;
        return need > back ? n - back : n;
    }
    return n;
}

}  // namespace ambient::runner
