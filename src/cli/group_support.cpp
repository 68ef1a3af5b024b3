#include "cli/group_support.hpp"

#include <iostream>

#include "cli/errors.hpp"

namespace ambient::cli {

CLI::Option* BodyFlags::add(CLI::App& command, const std::string& flag, std::string key, const std::string& help) {
    auto& entry = flags_.emplace_back(Flag{std::move(key), {}, nullptr});
    entry.option = command.add_option("--" + flag, entry.value, help);
    return entry.option;
}

Json BodyFlags::body() const {
    Json body = Json::object();
    for (const auto& flag : flags_) {
        if (flag.option->count() > 0) body[flag.key] = flag.value;
    }
    return body;
}

bool BodyFlags::any_given() const {
    for (const auto& flag : flags_) {
        if (flag.option->count() > 0) return true;
    }
    return false;
}

std::string BodyFlags::flag_names() const {
    std::string names;
    for (const auto& flag : flags_) {
        if (!names.empty()) names += ", ";
        names += flag.option->get_name();
    }
    return names;
}

CLI::Option* add_output_flag(CLI::App& command, std::string& format) {
    return command.add_option("-o,--output", format, "Output format: table, wide, json, yaml or name");
}

CLI::Option* add_limit_flag(CLI::App& command, int& limit) {
    return command.add_option("--limit", limit, "Maximum number of items to list")->default_val(100);
}

std::string first_page_query(int limit) {
    if (limit < 1 || limit > 65500) throw usage_error("--limit must be between 1 and 65500");
    return "page=1&size=" + std::to_string(limit);
}

void print_written(const std::string& output, const std::string& kind, const Json& object,
                   const std::string& success_line) {
    switch (parse_format(output)) {
        case Format::Json:
            print_json(std::cout, object);
            return;
        case Format::Yaml:
            print_yaml(std::cout, object);
            return;
        case Format::Name:
            std::cout << kind << "/" << field(object, "id") << '\n';
            return;
        case Format::Table:
        case Format::Wide:
            std::cout << success_line << '\n';
            return;
    }
}

std::string field(const Json& object, const std::string& key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace ambient::cli
