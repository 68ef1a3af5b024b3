#include "api/model/body.hpp"

#include <gtest/gtest.h>

#include "api/model/render.hpp"

namespace ambient::model {
namespace {

const KindSchema& thing() {
    static const KindSchema s{
        "Thing",
        "things",
        "things",
        "Things",
        {
            {.name = "name", .required = true},
            {.name = "count", .type = FieldType::Integer},
            {.name = "ratio", .type = FieldType::Number},
            {.name = "enabled", .type = FieldType::Boolean, .always_emit = true},
            {.name = "phase", .patchable = false, .settable = false},
            {.name = "secret", .write_only = true},
        },
    };
    return s;
}

BodyError::Kind error_kind(Row (*parse)(const KindSchema&, std::string_view), std::string_view body) {
    try {
        parse(thing(), body);
    } catch (const BodyError& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no error for " << body;
    return BodyError::Kind::Invalid;
}

TEST(CreateBody, AcceptsKnownFieldsWithTheirTypes) {
    const auto row = parse_create(thing(), R"({"name":"a","count":3,"ratio":1,"enabled":false,"secret":"s"})");
    EXPECT_EQ(std::get<std::string>(row.at("name")), "a");
    EXPECT_EQ(std::get<std::int64_t>(row.at("count")), 3);
    EXPECT_DOUBLE_EQ(std::get<double>(row.at("ratio")), 1.0);
    EXPECT_FALSE(std::get<bool>(row.at("enabled")));
    EXPECT_EQ(std::get<std::string>(row.at("secret")), "s");
}

TEST(CreateBody, IgnoresServerKeysAndUnsettableFields) {
    const auto row = parse_create(
        thing(), R"({"name":"a","kind":"X","href":"/x","created_at":"t","updated_at":"t","phase":"Running","id":""})");
    EXPECT_EQ(row.size(), 1u);
}

TEST(CreateBody, RefusesWhatUpstreamsStrictModelsRefuse) {
    struct Case {
        const char* body;
        BodyError::Kind kind;
    };
    const Case cases[] = {
        {"", BodyError::Kind::Malformed},
        {"{ this is invalid }", BodyError::Kind::Malformed},
        {"[]", BodyError::Kind::Malformed},
        {"\"x\"", BodyError::Kind::Malformed},
        {R"({"name":"a","extra":1})", BodyError::Kind::Malformed},
        {R"({"name":"a","id":"mine"})", BodyError::Kind::Invalid},
        {R"({"count":1})", BodyError::Kind::Invalid},
        {R"({"name":null})", BodyError::Kind::Invalid},
        {R"({"name":5})", BodyError::Kind::Malformed},
        {R"({"name":"a","count":"5"})", BodyError::Kind::Malformed},
        {R"({"name":"a","count":1.5})", BodyError::Kind::Malformed},
        {R"({"name":"a","count":18446744073709551615})", BodyError::Kind::Malformed},
        {R"({"name":"a","enabled":"true"})", BodyError::Kind::Malformed},
        {R"({"name":"a"} trailing)", BodyError::Kind::Malformed},
    };
    for (const auto& c : cases)
        EXPECT_EQ(error_kind(&parse_create, c.body), c.kind) << c.body;
}

TEST(CreateBody, RefusesDeepNestingBeforeParsing) {
    const std::string deep = R"({"name":"a","x":)" + std::string(10000, '[') + std::string(10000, ']') + "}";
    EXPECT_EQ(error_kind(&parse_create, deep), BodyError::Kind::Malformed);
}

TEST(PatchBody, IsLenientAboutUnknownKeysAndNulls) {
    const auto row = parse_patch(thing(), R"({"name":"b","unknown":1,"count":null,"phase":"Running"})");
    ASSERT_EQ(row.size(), 1u);
    EXPECT_EQ(std::get<std::string>(row.at("name")), "b");
    EXPECT_TRUE(parse_patch(thing(), "{}").empty());
}

TEST(PatchBody, StillRefusesBadJsonAndWrongTypes) {
    EXPECT_EQ(error_kind(&parse_patch, "{ nope"), BodyError::Kind::Malformed);
    EXPECT_EQ(error_kind(&parse_patch, R"({"count":"x"})"), BodyError::Kind::Malformed);
}

TEST(Render, EmitsObjectReferenceFieldsAndOmitsNullsAndSecrets) {
    Row row = {{"id", std::string("abc")},
               {"created_at", std::string("2026-11-28T00:00:00.000000Z")},
               {"updated_at", std::string("2026-11-28T00:00:01.000000Z")},
               {"name", std::string("n")},
               {"count", std::monostate{}},
               {"secret", std::string("s3cr3t")}};
    const auto json = render(thing(), row);
    EXPECT_EQ(json["id"], "abc");
    EXPECT_EQ(json["kind"], "Thing");
    EXPECT_EQ(json["href"], "/api/ambient/v1/things/abc");
    EXPECT_FALSE(json.contains("count"));
    EXPECT_FALSE(json.contains("secret"));
    EXPECT_EQ(json["enabled"], false);  // always emitted
    EXPECT_EQ(json.dump().find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace ambient::model
