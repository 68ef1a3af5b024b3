// Which normal responses are compressed (gzip_response runs on the worker, after the handler).
#include "common/http/gzip.hpp"

#include <gtest/gtest.h>

namespace ambient::http {
namespace {

Request accepting_gzip() {
    Request r;
    r.headers = {{"Accept-Encoding", "gzip"}};
    return r;
}

const std::string kBody(8 * 1024, 'a');

TEST(GzipResponse, CompressesBodiesWithinTheBoundsAndSaysSo) {
    auto response = Response::json(200, kBody);
    response.headers.emplace_back("Vary", "Origin");
    gzip_response(accepting_gzip(), response, 1024 * 1024);
    EXPECT_LT(response.body.size(), kBody.size());
    EXPECT_EQ(response.body.substr(0, 2), "\x1f\x8b");
    const Request seen{.headers = response.headers};
    EXPECT_EQ(seen.header("Content-Encoding"), "gzip");
    EXPECT_EQ(seen.header("Vary"), "Origin, Accept-Encoding");
}

TEST(GzipResponse, LeavesLargeBodiesAsTheyAre) {
    auto response = Response::json(200, kBody);
    gzip_response(accepting_gzip(), response, kBody.size() - 1);
    EXPECT_EQ(response.body, kBody);
    EXPECT_EQ(response.headers.size(), 1u);  // Content-Type only
}

TEST(GzipResponse, LeavesWhatMustNotOrNeedNotBeCompressed) {
    const auto unchanged = [](Request request, Response response) {
        const auto before = response.body;
        gzip_response(request, response, 1024 * 1024);
        return response.body == before;
    };
    EXPECT_TRUE(unchanged(Request{}, Response::json(200, kBody)));                         // not accepted
    EXPECT_TRUE(unchanged(accepting_gzip(), Response::json(200, std::string(100, 'a'))));  // too small
    EXPECT_TRUE(unchanged(accepting_gzip(), Response::json(304, kBody)));                  // no body status
    auto encoded = Response::json(200, kBody);
    encoded.headers.emplace_back("content-encoding", "br");
    EXPECT_TRUE(unchanged(accepting_gzip(), encoded));
}

}  // namespace
}  // namespace ambient::http
