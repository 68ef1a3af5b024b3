#include "api/model/render.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace ambient::model {
namespace {

const KindSchema& thing() {
    static const KindSchema s{
        "Thing",
        "things",
        "things",
        "Things",
        {
            {.name = "name"},
            {.name = "count", .type = FieldType::Integer, .always_emit = true},
            {.name = "ratio", .type = FieldType::Number, .always_emit = true},
            {.name = "enabled", .type = FieldType::Boolean, .always_emit = true},
            {.name = "label", .always_emit = true},
            {.name = "started_at", .type = FieldType::Timestamp, .always_emit = true},
            {.name = "note"},
            {.name = "secret", .write_only = true},
        },
    };
    return s;
}

// What a response carried before render_text: the tree, dumped as json_response does.
std::string tree_text(const KindSchema& schema, const Row& row) {
    return render(schema, row).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Row with(std::string note, store::SqlValue count = std::monostate{}, store::SqlValue ratio = std::monostate{}) {
    return {{"id", std::string("abc")},
            {"created_at", std::string("2026-12-07T13:00:00.000001Z")},
            {"updated_at", std::string("2026-12-07T13:00:01Z")},
            {"name", std::string("n")},
            {"note", std::move(note)},
            {"count", std::move(count)},
            {"ratio", std::move(ratio)},
            {"secret", std::string("s3cr3t")}};
}

TEST(RenderText, WritesTheSameBytesAsTheTree) {
    const std::vector<Row> rows = {
        with("plain text"),
        with("quote \" and backslash \\ and slash /"),
        with(std::string("controls \b\f\n\r\t \x01\x1f and DEL \x7f")),
        with("UTF-8: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
        with("invalid UTF-8: \xff\xfe and a cut \xe2\x82"),
        with("", std::int64_t{-42}, 0.1),
        with("", std::numeric_limits<std::int64_t>::max(), 1e300),
        with("", std::numeric_limits<std::int64_t>::min(), -0.0),
        with("", std::int64_t{0}, 3.0),
        with("", std::int64_t{7}, 2.5e-8),
        Row{},  // nothing stored: empty id and timestamps, zero values
        Row{{"id", std::string("x")}, {"enabled", true}, {"label", std::monostate{}}},
        Row{{"id", std::string("x")}, {"enabled", false}, {"started_at", std::string("2026-12-07T13:00:00Z")}},
    };
    for (const auto& row : rows) {
        const auto expected = tree_text(thing(), row);
        EXPECT_EQ(render_text(thing(), row), expected);
    }
    EXPECT_EQ(render_text(thing(), rows[0]).find("s3cr3t"), std::string::npos);
}

TEST(RenderText, AFieldNamedLikeALeadingMemberStillMatchesTheTree) {
    static const KindSchema odd{"Odd", "odd", "odd", "Odds", {{.name = "kind"}, {.name = "v"}, {.name = "v"}}};
    const Row row = {{"id", std::string("i")}, {"kind", std::string("custom")}, {"v", std::string("w")}};
    EXPECT_EQ(render_text(odd, row), tree_text(odd, row));
}

}  // namespace
}  // namespace ambient::model
