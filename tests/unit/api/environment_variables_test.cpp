#include "api/resources/environment_variables.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/api_error.hpp"

namespace ambient::api {
namespace {

struct Case {
    const char* text;  // environment_variables as stored (JSON text)
    bool accepted;
    const char* reason_part;  // a part of the 400's reason
};

// Table-driven: a row per shape of the field.
const Case kCases[] = {
    {R"({})", true, ""},
    {R"({"DEBUG":"1","HTTP_PROXY":"http://proxy:3128"})", true, ""},
    {R"({"session_id":"lower case is another variable"})", true, ""},
    {R"({"MY_SESSION_ID":"x","PROJECT_NAME_2":"y","XAGUI_":"z"})", true, ""},
    {R"({"SESSION_ID":"s"})", false, "\"SESSION_ID\" is set by the platform"},
    {R"({"OK":"1","PROJECT_NAME":"p"})", false, "\"PROJECT_NAME\""},
    {R"({"BACKEND_API_URL":"http://evil"})", false, "\"BACKEND_API_URL\""},
    {R"({"BOT_TOKEN":"t"})", false, "\"BOT_TOKEN\""},
    {R"({"BOT_TOKEN_FILE":"/etc/passwd"})", false, "\"BOT_TOKEN_FILE\""},
    {R"({"BOT_TOKEN_ANYTHING":"x"})", false, "\"BOT_TOKEN_ANYTHING\""},
    {R"({"CREDENTIAL_IDS":"{}"})", false, "\"CREDENTIAL_IDS\""},
    {R"({"AGUI_PORT":"1"})", false, "\"AGUI_PORT\""},
    {R"({"WORKSPACE_PATH":"/"})", false, "\"WORKSPACE_PATH\""},
    {R"([])", false, "must be a JSON object of strings"},
    {R"("A=B")", false, "must be a JSON object of strings"},
    {R"(not json)", false, "must be a JSON object of strings"},
    {R"({"N":1})", false, "the value of \"N\" must be a string"},
    {R"({"N":{"x":"y"}})", false, "the value of \"N\" must be a string"},
    {R"({"N":null})", false, "the value of \"N\" must be a string"},
    {R"({"":"x"})", false, "is not a variable name"},
    {R"({"A=B":"x"})", false, "is not a variable name"},
    {R"({"A":"x\u0000y"})", false, "holds a NUL"},
};

TEST(EnvironmentVariablesTest, RefusesReservedNamesAndWhatIsNotAnObjectOfStrings) {
    for (const auto& c : kCases) {
        const model::Row row = {{"environment_variables", std::string(c.text)}};
        if (c.accepted) {
            EXPECT_NO_THROW(validate_environment_variables(row)) << c.text;
            continue;
        }
        try {
            validate_environment_variables(row);
            ADD_FAILURE() << "accepted: " << c.text;
        } catch (const ApiError& e) {
            EXPECT_EQ(e.status(), 400) << c.text;
            EXPECT_EQ(e.code(), ErrorCode::Validation) << c.text;
            EXPECT_NE(std::string(e.reason()).find(c.reason_part), std::string::npos) << c.text << ": " << e.reason();
        }
    }
}

TEST(EnvironmentVariablesTest, AbsentNullOrEmptyFieldPasses) {
    EXPECT_NO_THROW(validate_environment_variables({}));
    EXPECT_NO_THROW(validate_environment_variables({{"environment_variables", store::SqlValue{}}}));
    EXPECT_NO_THROW(validate_environment_variables({{"environment_variables", std::string()}}));
}

TEST(EnvironmentVariablesTest, ALongNameIsCutInTheReason) {
    const std::string name = "AGUI_" + std::string(500, 'X');
    try {
        validate_environment_variables({{"environment_variables", "{\"" + name + "\":\"v\"}"}});
        ADD_FAILURE();
    } catch (const ApiError& e) {
        EXPECT_LT(std::string(e.reason()).size(), 200u);
    }
}

}  // namespace
}  // namespace ambient::api
