#pragma once
// What the resource command groups (agent, credential, role-binding, inbox, audit) share: the
// flags that become a request body only when given, the -o and --limit flags, and how a
// created or changed object is reported.
#include <list>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/api.hpp"
#include "cli/output.hpp"

namespace ambient::cli {

// String flags that map onto body keys; only those given on the command line go into the
// body, so an update changes exactly what the user named (`--description ""` clears).
class BodyFlags {
public:
    // Adds `--<flag>` to `command`, sent as `key`.
    CLI::Option* add(CLI::App& command, const std::string& flag, std::string key, const std::string& help);
    // The given flags as {key: value}.
    Json body() const;
    bool any_given() const;
    // "--a, --b, …" for the "nothing to update" error.
    std::string flag_names() const;

private:
    struct Flag {
        std::string key;
        std::string value;
        CLI::Option* option = nullptr;
    };
    std::list<Flag> flags_;  // a list: CLI11 keeps pointers to each value
};

// -o/--output into `format`.
CLI::Option* add_output_flag(CLI::App& command, std::string& format);
// --limit into `limit` (upstream's default: 100 items, the first page).
CLI::Option* add_limit_flag(CLI::App& command, int& limit);
// "page=1&size=<limit>", the limit checked to be 1..65500.
std::string first_page_query(int limit);

// Reports a created or changed object: itself for -o json|yaml, "<kind>/<id>" for -o name,
// else `success_line` (upstream's "agent/<name> created").
void print_written(const std::string& output, const std::string& kind, const Json& object,
                   const std::string& success_line);

// A string field of an object, "" when absent or not a string.
std::string field(const Json& object, const std::string& key);

}  // namespace ambient::cli
