#include "common/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace ambient {
namespace {

bool contains(const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, CountsRequestsByMethodRouteAndStatus) {
    Metrics m;
    m.record_request("GET", "/projects/{id}", 200, 0.002);
    m.record_request("GET", "/projects/{id}", 200, 0.003);
    m.record_request("GET", "/projects/{id}", 404, 0.001);
    m.record_request("POST", "/projects", 201, 0.02);
    const auto text = m.render_prometheus();
    EXPECT_TRUE(contains(text, "# TYPE ambient_http_requests_total counter")) << text;
    EXPECT_TRUE(contains(text, R"(ambient_http_requests_total{method="GET",route="/projects/{id}",status="200"} 2)"));
    EXPECT_TRUE(contains(text, R"(ambient_http_requests_total{method="GET",route="/projects/{id}",status="404"} 1)"));
    EXPECT_TRUE(contains(text, R"(ambient_http_requests_total{method="POST",route="/projects",status="201"} 1)"));
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
    Metrics m;
    m.record_request("GET", "/r", 200, 0.001);  // on a bound: counts in that bucket (le)
    m.record_request("GET", "/r", 200, 0.2);
    m.record_request("GET", "/r", 500, 20);  // beyond the last bound: only +Inf
    const auto text = m.render_prometheus();
    EXPECT_TRUE(contains(text, "# TYPE ambient_http_request_duration_seconds histogram")) << text;
    const std::string b = "ambient_http_request_duration_seconds_bucket{route=\"/r\",le=";
    EXPECT_TRUE(contains(text, b + R"("0.001"} 1)")) << text;
    EXPECT_TRUE(contains(text, b + R"("0.1"} 1)"));
    EXPECT_TRUE(contains(text, b + R"("0.25"} 2)"));
    EXPECT_TRUE(contains(text, b + R"("10"} 2)"));
    EXPECT_TRUE(contains(text, b + R"("+Inf"} 3)"));
    EXPECT_TRUE(contains(text, R"(ambient_http_request_duration_seconds_sum{route="/r"} 20.201)"));
    EXPECT_TRUE(contains(text, R"(ambient_http_request_duration_seconds_count{route="/r"} 3)"));
    // All 13 buckets, in order.
    std::size_t buckets = 0;
    for (auto pos = text.find(b); pos != std::string::npos; pos = text.find(b, pos + 1))
        ++buckets;
    EXPECT_EQ(buckets, 13u);
    EXPECT_LT(text.find(b + R"("0.005")"), text.find(b + R"("2.5")"));
}

TEST(Metrics, UnmatchedRequestsShareOneLabel) {
    Metrics m;
    m.record_request("GET", "", 404, 0.001);
    m.record_request("DELETE", "", 404, 0.001);
    const auto text = m.render_prometheus();
    EXPECT_TRUE(contains(text, R"(ambient_http_requests_total{method="GET",route="unmatched",status="404"} 1)"));
    EXPECT_TRUE(contains(text, R"(ambient_http_request_duration_seconds_count{route="unmatched"} 2)"));
}

TEST(Metrics, EscapesLabelValues) {
    EXPECT_EQ(escape_label_value(R"(a"b\c)"
                                 "\n"),
              R"(a\"b\\c\n)");
    Metrics m;
    m.record_request("GET", "/x\"y\\z", 200, 0.1);
    const auto text = m.render_prometheus();
    EXPECT_TRUE(contains(text, R"(ambient_http_requests_total{method="GET",route="/x\"y\\z",status="200"} 1)")) << text;
}

TEST(Metrics, UnknownMethodsShareOneLabel) {
    Metrics m;
    m.record_request("get", "", 501, 0.001);
    m.record_request(std::string(1000, 'X'), "", 501, 0.001);
    m.record_request("PATCH", "/r", 200, 0.001);
    const auto text = m.render_prometheus();
    EXPECT_TRUE(contains(text, R"(ambient_http_requests_total{method="other",route="unmatched",status="501"} 2)"))
        << text;
    EXPECT_TRUE(contains(text, R"(ambient_http_requests_total{method="PATCH",route="/r",status="200"} 1)"));
    EXPECT_EQ(text.find("XXXX"), std::string::npos);
}

TEST(Metrics, RendersExtraGauges) {
    Metrics m;
    const auto text = m.render_prometheus(
        {{"ambient_db_connections_open", "Open connections.\nNow", 3}, {"ambient_uptime_seconds", "Uptime.", 12.5}});
    EXPECT_TRUE(contains(text, "# HELP ambient_db_connections_open Open connections.\\nNow")) << text;
    EXPECT_TRUE(contains(text, "# TYPE ambient_db_connections_open gauge"));
    EXPECT_TRUE(contains(text, "ambient_db_connections_open 3"));
    EXPECT_TRUE(contains(text, "ambient_uptime_seconds 12.5"));
    // Even with no traffic, the metric families are announced.
    EXPECT_TRUE(contains(text, "# TYPE ambient_http_requests_total counter"));
}

TEST(Metrics, RendersCallerKeptCountersAsCounters) {
    Metrics m;
    const auto text = m.render_prometheus({{"ambient_streams_resumed_total", "Resumed.", 2, "counter"}});
    EXPECT_TRUE(contains(text, "# TYPE ambient_streams_resumed_total counter")) << text;
    EXPECT_TRUE(contains(text, "ambient_streams_resumed_total 2"));
}

TEST(Metrics, IsThreadSafe) {
    Metrics m;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&m] {
            for (int i = 0; i < 1000; ++i)
                m.record_request("GET", "/r", 200, 0.001);
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_TRUE(
        contains(m.render_prometheus(), R"(ambient_http_requests_total{method="GET",route="/r",status="200"} 4000)"));
}

}  // namespace
}  // namespace ambient
