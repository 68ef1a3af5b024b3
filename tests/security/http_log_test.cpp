// Issue 9, item 7 (the HTTP part): an unauthenticated 60,000-character path was logged whole.
// The per-request log line now carries at most 256 bytes of the path and its full length,
// and so do the lines of requests refused before routing (400, 413, 431, 501).
#include <sstream>

#include "security/security_fixture.hpp"

namespace ambient::testing {
namespace {

using namespace std::chrono_literals;

std::size_t longest_line(const std::string& log) {
    std::istringstream lines(log);
    std::size_t longest = 0;
    for (std::string line; std::getline(lines, line);)
        longest = std::max(longest, line.size());
    return longest;
}

using HttpLogLines = SecurityTest;

TEST_P(HttpLogLines, LongPathsAndMethodsAreLoggedBounded) {
    const std::string id(60000, 'x');
    auto stranger = server().client(false);
    EXPECT_EQ(stranger.get(api_path("/credentials/" + id + "/token")).status, 401);
    EXPECT_EQ(stranger.request(std::string(60000, 'M'), "/healthcheck").status, 501);
    const auto refused = [this](const std::string& bytes) {
        RawConnection raw(server().process().host(), server().process().port());
        raw.send(bytes);
        return raw.read_until_closed(10s).data.substr(0, 12);
    };
    EXPECT_EQ(refused("GET /healthcheck HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(70000, 'h') + "\r\n\r\n"),
              "HTTP/1.1 431");
    EXPECT_EQ(refused("GET /" + std::string(70000, 'p') + " HTTP/1.1\r\nHost: a\r\n\r\n"), "HTTP/1.1 431");
    EXPECT_EQ(refused("GET /" + id + " HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n"), "HTTP/1.1 400");
    EXPECT_EQ(stranger.post(api_path("/projects"), std::string(3 * 1024 * 1024, 'b')).status, 413);
    EXPECT_EQ(stranger.get("/healthcheck").status, 200);
    server().process().stop();  // the request log is buffered: stopping writes it all out

    const auto log = server().process().log();
    EXPECT_LT(longest_line(log), 1024u);
    EXPECT_EQ(log.find(std::string(1000, 'x')), std::string::npos);
    const auto full_length = api_path("/credentials/" + id + "/token").size();
    EXPECT_NE(log.find("...(" + std::to_string(full_length) + " bytes)"), std::string::npos) << log.substr(0, 2000);
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpLogLines, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
