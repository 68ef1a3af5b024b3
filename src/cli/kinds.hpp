#pragma once
// The kinds acpctl names on its command line: their aliases (upstream's, case-insensitive),
// their collection under /api/ambient/v1, and the table columns `get` prints (upstream's
// widths; `wide` adds more).
#include <optional>
#include <string>
#include <vector>

#include "cli/output.hpp"

namespace ambient::cli {

struct KindInfo {
    std::string name;        // "session": what `<name>/<id> created` prints
    std::string plural;      // "sessions"
    std::string collection;  // "sessions": GET /api/ambient/v1/<collection>
    std::vector<std::string> aliases;
    std::vector<Column> columns;
    std::vector<Column> wide;
    bool project_scoped = false;  // agents: /projects/{p}/agents
};

// Every kind, in the order the "valid types" lines list them.
const std::vector<KindInfo>& all_kinds();

// The kind a word names ("sess", "Sessions", "rb", …), or nullopt.
const KindInfo* find_kind(const std::string& word);

// "sessions, projects, …" for error lines.
std::string kind_names();

}  // namespace ambient::cli
