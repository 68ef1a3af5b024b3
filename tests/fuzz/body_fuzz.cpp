// Request bodies: create (strict) and patch (lenient) parsing against a schema with every
// field type, then rendering what was accepted. Only BodyError may escape the parser, and
// whatever it accepts must render to JSON that parses again.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/model/body.hpp"
#include "api/model/render.hpp"

namespace {

using ambient::model::FieldType;

const ambient::model::KindSchema& schema() {
    static const ambient::model::KindSchema s{
        "Thing",
        "things",
        "things",
        "Things",
        {
            {.name = "name", .required = true},
            {.name = "count", .type = FieldType::Integer},
            {.name = "ratio", .type = FieldType::Number},
            {.name = "enabled", .type = FieldType::Boolean, .always_emit = true},
            {.name = "started_at", .type = FieldType::Timestamp},
            {.name = "phase", .settable = false},
            {.name = "secret", .write_only = true},
        },
    };
    return s;
}

void check(const ambient::model::Row& row) {
    ambient::model::Row stored = row;
    stored["id"] = std::string("x");
    const auto text =
        ambient::model::render(schema(), stored).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    const auto again = nlohmann::json::parse(text, nullptr, false);
    if (again.is_discarded() || again.contains("secret")) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    try {
        check(ambient::model::parse_create(schema(), body));
    } catch (const ambient::model::BodyError&) {
    }
    try {
        check(ambient::model::parse_patch(schema(), body));
    } catch (const ambient::model::BodyError&) {
    }
    return 0;
}
