#include "cli/output.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <ostream>

#include <yaml-cpp/yaml.h>

#include "cli/errors.hpp"

namespace ambient::cli {
namespace {

// The byte offsets where each UTF-8 code point starts, so cuts never split one.
std::vector<std::size_t> rune_starts(const std::string& s) {
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
    }
    return starts;
}

std::chrono::system_clock::time_point parse_time(const std::string& text) {
    std::tm tm{};
    if (text.size() < 19 || strptime(text.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return {};
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

void emit(YAML::Emitter& out, const Json& value) {
    switch (value.type()) {
        case Json::value_t::object:
            out << YAML::BeginMap;
            for (const auto& [key, item] : value.items()) {
                out << YAML::Key << key << YAML::Value;
                emit(out, item);
            }
            out << YAML::EndMap;
            break;
        case Json::value_t::array:
            out << YAML::BeginSeq;
            for (const auto& item : value)
                emit(out, item);
            out << YAML::EndSeq;
            break;
        case Json::value_t::string: {
            // Strings that would read back as another type ("true", "12", "null") are quoted.
            const auto s = value.get<std::string>();
            const auto node = YAML::Load(s.empty() ? "''" : s);
            const bool plain = node.IsScalar() && node.Tag() == "?" && node.as<std::string>() == s && s != "null" &&
                               s != "true" && s != "false" && s != "~" &&
                               s.find_first_not_of("0123456789.-+eE") != std::string::npos;
            if (plain)
                out << s;
            else
                out << YAML::DoubleQuoted << s;
            break;
        }
        case Json::value_t::null:
            out << YAML::Null;
            break;
        default:
            out << value.dump();
    }
}

}  // namespace

Format parse_format(const std::string& text) {
    if (text.empty() || text == "table") return Format::Table;
    if (text == "wide") return Format::Wide;
    if (text == "json") return Format::Json;
    if (text == "yaml") return Format::Yaml;
    if (text == "name") return Format::Name;
    throw usage_error("unknown output format \"" + text + "\": valid formats are table, wide, json, yaml, name");
}

std::string text_of(const Json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) return "";
    return value.dump();
}

Column field_column(std::string header, int width, std::string field) {
    return {std::move(header), width, [field = std::move(field)](const Json& o) {
                const auto it = o.find(field);
                return it == o.end() ? std::string() : text_of(*it);
            }};
}

Column age_column(int width) {
    return {"AGE", width, [](const Json& o) { return format_age(o, std::chrono::system_clock::now()); }};
}

std::string format_cell(const std::string& value, int width) {
    if (width <= 0) return value;
    const auto starts = rune_starts(value);
    const auto runes = static_cast<int>(starts.size());
    if (runes > width) {
        const int keep = std::max(0, width - 3);
        return value.substr(0, static_cast<std::size_t>(keep) < starts.size() ? starts[keep] : value.size()) + "...";
    }
    return value + std::string(static_cast<std::size_t>(width - runes), ' ');
}

std::string format_age(const Json& object, std::chrono::system_clock::time_point now) {
    const auto it = object.find("created_at");
    if (it == object.end() || !it->is_string()) return "";
    const auto created = parse_time(it->get<std::string>());
    if (created == std::chrono::system_clock::time_point{}) return "";
    const auto seconds = std::max<long>(0, std::chrono::duration_cast<std::chrono::seconds>(now - created).count());
    if (seconds < 60) return std::to_string(seconds) + "s";
    if (seconds < 3600) return std::to_string(seconds / 60) + "m";
    if (seconds < 86400) return std::to_string(seconds / 3600) + "h";
    return std::to_string(seconds / 86400) + "d";
}

bool stdout_is_terminal() {
    return ::isatty(STDOUT_FILENO) == 1;
}

int terminal_width() {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

namespace {

void print_line(std::ostream& out, std::string line) {
    if (stdout_is_terminal()) {
        const auto starts = rune_starts(line);
        const auto width = static_cast<std::size_t>(terminal_width());
        if (starts.size() > width) line = line.substr(0, starts[width]);
    }
    out << line << '\n';
}

}  // namespace

void print_table_header(std::ostream& out, const std::vector<Column>& columns) {
    std::string line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) line += "   ";
        line += format_cell(columns[i].header, columns[i].width);
    }
    print_line(out, line);
}

void print_table_row(std::ostream& out, const std::vector<Column>& columns, const Json& row) {
    std::string line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) line += "   ";
        line += format_cell(columns[i].cell(row), columns[i].width);
    }
    print_line(out, line);
}

void print_table(std::ostream& out, const std::vector<Column>& columns, const std::vector<Json>& rows) {
    print_table_header(out, columns);
    for (const auto& row : rows)
        print_table_row(out, columns, row);
}

void print_json(std::ostream& out, const Json& value) {
    out << value.dump(2) << '\n';
}

void print_yaml(std::ostream& out, const Json& value) {
    YAML::Emitter emitter;
    emit(emitter, value);
    out << emitter.c_str() << '\n';
}

void print_objects(std::ostream& out, Format format, const std::string& kind, const std::vector<Column>& columns,
                   const std::vector<Column>& wide, const std::vector<Json>& objects, const Json& list) {
    switch (format) {
        case Format::Table:
            print_table(out, columns, objects);
            return;
        case Format::Wide:
            print_table(out, wide.empty() ? columns : wide, objects);
            return;
        case Format::Json:
            print_json(out, list.is_null() ? (objects.empty() ? Json() : objects.front()) : list);
            return;
        case Format::Yaml:
            print_yaml(out, list.is_null() ? (objects.empty() ? Json() : objects.front()) : list);
            return;
        case Format::Name:
            for (const auto& o : objects)
                out << kind << "/" << text_of(o.value("id", Json())) << '\n';
            return;
    }
}

}  // namespace ambient::cli
