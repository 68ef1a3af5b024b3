#pragma once
// Output made comparable with a golden text: what changes from run to run (ids, times, ages,
// the session's derived CR name) replaced by placeholders, trailing blanks of table lines cut.
#include <regex>
#include <sstream>
#include <string>

namespace ambient::testing::cli {

inline std::string normalised(const std::string& output) {
    static const std::regex ksuid(R"(\b[0-9A-Za-z]{27}\b)");
    static const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
    static const std::regex cr_name(R"(session-[0-9a-v]{32})");
    // AGE, the last column of most tables: "0s", "12m", …
    static const std::regex age(R"(   \d+[smhd]$)");
    std::string text = std::regex_replace(output, time, "<TIME>");
    text = std::regex_replace(text, cr_name, "session-<CR>");
    text = std::regex_replace(text, ksuid, "<ID>");
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        line.erase(line.find_last_not_of(' ') + 1);
        out += std::regex_replace(line, age, "   <AGE>") + "\n";
    }
    return out;
}

}  // namespace ambient::testing::cli
