#include "common/http/router.hpp"

#include <gtest/gtest.h>

namespace ambient::http {
namespace {

Handler named(std::string name) {
    return [name](Request&) { return Response::text(200, name); };
}

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        add("GET", "/");
        add("GET", "/projects");
        add("POST", "/projects");
        add("GET", "/projects/{id}");
        add("DELETE", "/projects/{id}");
        add("GET", "/projects/search");
        add("GET", "/projects/{id}/agents/{agent_id}");
        add("GET", "/projects/{id}/agents/current");
        add("GET", "/a/{x}/c");
        add("GET", "/a/b/{y}");
    }
    void add(std::string method, std::string pattern) { router_.add({method, pattern, named(method + " " + pattern)}); }
    // The pattern of the matched route, or "404"/"405".
    std::string match(std::string_view method, std::string_view path) {
        auto result = router_.match(method, path);
        if (auto* miss = std::get_if<Router::Miss>(&result)) {
            return *miss == Router::Miss::NotFound ? "404" : "405";
        }
        auto& m = std::get<Router::Match>(result);
        params_ = m.params;
        return m.route->method + " " + m.route->pattern;
    }

    Router router_;
    std::unordered_map<std::string, std::string> params_;
};

TEST_F(RouterTest, MatchingTable) {
    struct Case {
        const char* method;
        const char* path;
        const char* expected;
    };
    const Case cases[] = {
        {"GET", "/", "GET /"},
        {"GET", "/projects", "GET /projects"},
        {"POST", "/projects", "POST /projects"},
        {"GET", "/projects/p1", "GET /projects/{id}"},
        {"DELETE", "/projects/p1", "DELETE /projects/{id}"},
        // A literal segment beats a parameter at the same position.
        {"GET", "/projects/search", "GET /projects/search"},
        {"GET", "/projects/p1/agents/current", "GET /projects/{id}/agents/current"},
        {"GET", "/projects/p1/agents/a7", "GET /projects/{id}/agents/{agent_id}"},
        // The earlier literal decides between two partly-literal patterns.
        {"GET", "/a/b/c", "GET /a/b/{y}"},
        {"GET", "/a/z/c", "GET /a/{x}/c"},
        // A path that exists with another method.
        {"PUT", "/projects", "405"},
        {"PATCH", "/projects/p1", "405"},
        // Not at all.
        {"GET", "/nope", "404"},
        {"GET", "/projects/p1/extra", "404"},
        {"GET", "/projects/p1/agents", "404"},
        {"GET", "/projects//agents/a", "404"},  // an empty segment never fills a parameter
        {"GET", "", "GET /"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(match(c.method, c.path), c.expected) << c.method << " " << c.path;
    }
}

TEST_F(RouterTest, MethodOfAMoreSpecificPathDoesNotShadowAParameterRoute) {
    // Only GET exists for /projects/search; DELETE falls back to /projects/{id}.
    EXPECT_EQ(match("DELETE", "/projects/search"), "DELETE /projects/{id}");
    EXPECT_EQ(params_.at("id"), "search");
}

TEST_F(RouterTest, ExtractsParameters) {
    ASSERT_EQ(match("GET", "/projects/p1/agents/a7"), "GET /projects/{id}/agents/{agent_id}");
    EXPECT_EQ(params_.size(), 2u);
    EXPECT_EQ(params_.at("id"), "p1");
    EXPECT_EQ(params_.at("agent_id"), "a7");
}

TEST_F(RouterTest, ParametersAreTheDecodedSegments) {
    // The server decodes the path before routing; parameters come out as they went in.
    ASSERT_EQ(match("GET", "/projects/hello world & more"), "GET /projects/{id}");
    EXPECT_EQ(params_.at("id"), "hello world & more");
}

TEST_F(RouterTest, FirstAddedWinsForIdenticalPatterns) {
    router_.add({"GET", "/projects", named("second")});
    EXPECT_EQ(match("GET", "/projects"), "GET /projects");
    auto result = router_.match("GET", "/projects");
    Request request;
    EXPECT_EQ(std::get<Router::Match>(result).route->handler(request).body, "GET /projects");
}

TEST(Router, EmptyRouterFindsNothing) {
    Router router;
    auto result = router.match("GET", "/");
    ASSERT_TRUE(std::holds_alternative<Router::Miss>(result));
    EXPECT_EQ(std::get<Router::Miss>(result), Router::Miss::NotFound);
}

}  // namespace
}  // namespace ambient::http
