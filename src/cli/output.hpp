#pragma once
// How acpctl prints objects: upstream's fixed-width tables (every cell padded, long values
// cut to width-3 runes plus "...", three spaces between columns, lines cut to the terminal's
// width only on a terminal), JSON indented by two, YAML, or names.
#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ambient::cli {

using Json = nlohmann::json;

enum class Format { Table, Wide, Json, Yaml, Name };

// "", "table", "wide", "json", "yaml", "name"; anything else is a usage error naming the
// valid ones.
Format parse_format(const std::string& text);

struct Column {
    std::string header;
    int width = 10;
    std::function<std::string(const Json&)> cell;
};

// A column showing a field's value as text (strings as they are, numbers and booleans in
// JSON, null as "").
Column field_column(std::string header, int width, std::string field);
// AGE: now - created_at as <n>s, <n>m, <n>h or <n>d, truncated; "" without created_at.
Column age_column(int width = 10);

std::string format_cell(const std::string& value, int width);
std::string format_age(const Json& object, std::chrono::system_clock::time_point now);
std::string text_of(const Json& value);

bool stdout_is_terminal();
int terminal_width();  // 80 when unknown

void print_table(std::ostream& out, const std::vector<Column>& columns, const std::vector<Json>& rows);
void print_table_header(std::ostream& out, const std::vector<Column>& columns);
void print_table_row(std::ostream& out, const std::vector<Column>& columns, const Json& row);

void print_json(std::ostream& out, const Json& value);
void print_yaml(std::ostream& out, const Json& value);

// Prints objects in the format: a table of `columns` (or `wide` when Format::Wide), the list
// envelope or the object as JSON/YAML, or "<kind>/<id>" per object for Format::Name. `list`
// is the server's list object (null for a single object).
void print_objects(std::ostream& out, Format format, const std::string& kind, const std::vector<Column>& columns,
                   const std::vector<Column>& wide, const std::vector<Json>& objects, const Json& list);

}  // namespace ambient::cli
