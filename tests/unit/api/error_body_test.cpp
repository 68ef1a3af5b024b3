#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/api_error.hpp"

namespace ambient {
namespace {

TEST(ErrorBody, HasUpstreamsShape) {
    const auto body =
        nlohmann::json::parse(render_error_body(ErrorCode::NotFound, "Project with id='x' not found", "op1"));
    EXPECT_EQ(body["kind"], "Error");
    EXPECT_EQ(body["id"], "7");
    EXPECT_EQ(body["href"], "/api/ambient/v1/errors/7");
    EXPECT_EQ(body["code"], "ambient-api-server-7");
    EXPECT_EQ(body["reason"], "Project with id='x' not found");
    EXPECT_EQ(body["operation_id"], "op1");
    EXPECT_EQ(body.size(), 6u);
}

TEST(ErrorBody, StatusesStayDistinct) {
    struct Case {
        ApiError error;
        int status;
        const char* code;
    };
    const Case cases[] = {
        {ApiError::bad_request("x"), 400, "21"},     {ApiError::validation("x"), 400, "8"},
        {ApiError::malformed("x"), 400, "17"},       {ApiError::unauthenticated("x"), 401, "15"},
        {ApiError::forbidden("x"), 403, "4"},        {ApiError::not_found("x"), 404, "7"},
        {ApiError::conflict("x"), 409, "6"},         {ApiError::internal("detail"), 500, "9"},
        {ApiError::unavailable("detail"), 503, "9"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(c.error.status(), c.status);
        const auto body = nlohmann::json::parse(render_error_body(c.error.code(), c.error.reason(), "op"));
        EXPECT_EQ(body["id"], c.code);
    }
}

TEST(ErrorBody, InternalDetailNeverReachesTheClient) {
    const auto e = ApiError::internal("connection to db.internal:5432 failed: password=hunter2");
    EXPECT_EQ(std::string(e.reason()), "Unspecified error");
    EXPECT_EQ(render_error_body(e.code(), e.reason(), "op").find("hunter2"), std::string::npos);
}

TEST(ErrorBody, InvalidUtf8InAReasonIsReplacedNotThrown) {
    const std::string reason = "bad \xff\xfe byte";
    EXPECT_NO_THROW(nlohmann::json::parse(render_error_body(ErrorCode::BadRequest, reason, "op")));
}

}  // namespace
}  // namespace ambient
