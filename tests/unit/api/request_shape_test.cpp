// What a request must look like before it is looked up: JSON bodies, and path ids that can
// name something — checked over every route the server serves.
#include <gtest/gtest.h>

#include <filesystem>

#include "api/app.hpp"
#include "api/request_shape.hpp"
#include "api/store/database.hpp"
#include "common/api_error.hpp"
#include "common/ksuid.hpp"

namespace ambient::api {
namespace {

http::Request request_with_body(std::string method, std::string content_type) {
    http::Request req;
    req.method = std::move(method);
    req.body = R"({"name":"x"})";
    if (!content_type.empty()) req.headers.emplace_back("Content-Type", std::move(content_type));
    return req;
}

int status_of(const std::function<void()>& check) {
    try {
        check();
    } catch (const ApiError& e) {
        return e.status();
    }
    return 0;
}

TEST(JsonBody, JsonAndJsonSuffixedTypesPass) {
    for (const char* type : {"application/json", "application/json; charset=utf-8", "Application/JSON",
                             "application/merge-patch+json", "application/vnd.ambient+json;v=1"}) {
        EXPECT_TRUE(is_json_media_type(type)) << type;
    }
    for (const char* type : {"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "text/json",
                             "application/jsonx", "application/+json", "json", "application/"}) {
        EXPECT_FALSE(is_json_media_type(type)) << type;
    }
}

TEST(JsonBody, WritesWithAnotherBodyAre415) {
    for (const char* method : {"POST", "PUT", "PATCH"}) {
        EXPECT_EQ(status_of([&] { require_json_body(request_with_body(method, "text/plain")); }), 415) << method;
        EXPECT_EQ(status_of([&] { require_json_body(request_with_body(method, "")); }), 415) << method;
        EXPECT_EQ(status_of([&] { require_json_body(request_with_body(method, "application/json")); }), 0);
    }
    auto empty = request_with_body("POST", "text/plain");
    empty.body.clear();
    EXPECT_EQ(status_of([&] { require_json_body(empty); }), 0);  // nothing to misread
    EXPECT_EQ(status_of([&] { require_json_body(request_with_body("DELETE", "text/plain")); }), 0);
}

TEST(ProjectName, TheDnsLabelRule) {
    const std::vector<std::string> good = {"ab", "proj", "a-1", std::string(63, 'a')};
    for (const auto& name : good)
        EXPECT_TRUE(is_valid_project_name(name)) << name;
    const std::vector<std::string> bad = {"", "a", "1a", "-a", "a-", "A", "a_b", "a.b", std::string(64, 'a')};
    for (const auto& name : bad)
        EXPECT_FALSE(is_valid_project_name(name)) << name;
}

// Every route with a path id: well-formed ids pass, an overlong or malformed one is a 404
// whose message is bounded.
TEST(PathIds, EveryRoutesIdsAreChecked) {
    const auto dir = std::filesystem::temp_directory_path() / ("request-shape-" + std::to_string(::getpid()));
    auto db = store::open_database(dir.string());
    App app(*db, {}, {});
    const std::string ksuid = new_ksuid();
    const std::string overlong(60000, 'A');
    std::size_t checked = 0;
    for (const auto& route : app.router().routes()) {
        if (route.pattern.find('{') == std::string::npos) continue;
        http::Request req;
        req.method = route.method;
        req.route = route.pattern;
        for (const auto* name : {"id", "agent_id", "cred_id", "msg_id"}) {
            if (route.pattern.find(std::string("{") + name + "}") == std::string::npos) continue;
            const bool project = route.pattern.find(std::string("/projects/{") + name + "}") != std::string::npos;
            req.path_params[name] = project ? "proj" : ksuid;
        }
        EXPECT_EQ(status_of([&] { require_well_formed_ids(req); }), 0) << route.pattern;
        for (auto& [name, value] : req.path_params) {
            for (const auto& bad : std::vector<std::string>{overlong, "x", ksuid + "A", "proj"}) {
                if (bad == value) continue;
                auto copy = req;
                copy.path_params[name] = bad;
                try {
                    require_well_formed_ids(copy);
                    ADD_FAILURE() << route.pattern << " " << name << "=" << bad.substr(0, 30);
                } catch (const ApiError& e) {
                    EXPECT_EQ(e.status(), 404);
                    EXPECT_LT(std::string(e.reason()).size(), 200u);
                }
            }
        }
        ++checked;
    }
    EXPECT_GT(checked, 30u);
    std::filesystem::remove_all(dir);
}

TEST(PathIds, TheMessageReadsAsForAnIdThatDoesNotExist) {
    http::Request req;
    req.route = "/api/ambient/v1/sessions/{id}";
    req.path_params["id"] = "unknown";
    try {
        require_well_formed_ids(req);
        FAIL();
    } catch (const ApiError& e) {
        EXPECT_EQ(std::string(e.reason()), "Session with id='unknown' not found");
    }
}

}  // namespace
}  // namespace ambient::api
