// Issue 9, item 8: HTTP framing. Each row sends, on one raw connection, a request whose
// framing RFC 9112 refuses, followed at once by a second, "smuggled" request that creates a
// project with the service token. Before the fix, Beast 1.74 ignored a Transfer-Encoding
// whose last coding is not chunked (and unfolded folded lines, and honoured Transfer-Encoding
// on HTTP/1.0), so the smuggled bytes were served as a request of their own. Now the first
// request is refused, the connection closed, and the second never runs. Also: methods are
// case-sensitive (501 for "get"), and %2F or %00 in a path is a 400, never a separator.
#include "security/security_fixture.hpp"

namespace ambient::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string smuggled_request() {
    const std::string body = R"({"name":"smuggled"})";
    return "POST /api/ambient/v1/projects HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + std::string(kTestToken) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct FramingAttack {
    const char* name;
    std::string front;  // the request ahead of the smuggled one, with whatever body it claims
    int status;
};

class HttpFraming : public SecurityTest {
protected:
    // Sends `bytes`; returns what came back before the server closed the connection.
    RawConnection::ReadResult exchange(const std::string& bytes) {
        RawConnection raw(server().process().host(), server().process().port());
        raw.send(bytes);
        return raw.read_until_closed(10s);
    }
};

TEST_P(HttpFraming, AmbiguousFramingIsRefusedAndTheSmuggledRequestNeverServed) {
    const std::string head = "GET /healthcheck HTTP/1.1\r\nHost: a\r\n";
    const std::vector<FramingAttack> attacks = {
        {"chunked not last", head + "Transfer-Encoding: chunked, identity\r\n\r\n", 400},
        {"chunked twice", head + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400},
        {"chunked then identity in two fields",
         head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n", 400},
        {"identity with Content-Length", head + "Transfer-Encoding: identity\r\nContent-Length: 0\r\n\r\n", 400},
        {"Content-Length then chunked", head + "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"chunked then Content-Length", head + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n", 400},
        {"differing Content-Lengths", head + "Content-Length: 0\r\nContent-Length: 5\r\n\r\n", 400},
        {"obsolete line folding", head + "X-Folded: one\r\n two\r\n\r\n", 400},
        {"folded Transfer-Encoding", head + "Transfer-Encoding: identity,\r\n chunked\r\n\r\n0\r\n\r\n", 400},
        {"Transfer-Encoding on HTTP/1.0",
         "GET /healthcheck HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\nTransfer-Encoding: "
         "chunked\r\n\r\n0\r\n\r\n",
         400},
        {"unimplemented coding before chunked", head + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
    };
    for (const auto& attack : attacks) {
        SCOPED_TRACE(attack.name);
        const auto got = exchange(attack.front + smuggled_request());
        EXPECT_TRUE(got.closed);
        EXPECT_EQ(got.data.rfind("HTTP/1.1 " + std::to_string(attack.status), 0), 0u) << got.data.substr(0, 200);
        EXPECT_EQ(got.data.find("HTTP/1.1 ", 1), std::string::npos) << "a second response:\n" << got.data;
        EXPECT_EQ(admin().get(api_path("/projects/smuggled")).status, 404);
    }
    // The smuggled request itself is fine: sent on its own, it is served.
    const auto alone =
        exchange(smuggled_request() + "GET /healthcheck HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(alone.data.rfind("HTTP/1.1 201", 0), 0u) << alone.data.substr(0, 200);
    EXPECT_EQ(admin().get(api_path("/projects/smuggled")).status, 200);
}

TEST_P(HttpFraming, MethodsAreCaseSensitive) {
    // Upper-cased, "get" used to be served as GET.
    for (const char* method : {"get", "Get", "gEt"}) {
        auto r = admin().request(method, api_path("/projects"));
        EXPECT_EQ(r.status, 501) << method;
        EXPECT_EQ(r.json()["kind"], "Error") << method;
    }
    // Before authentication: a stranger learns nothing more.
    EXPECT_EQ(server().client(false).request("delete", api_path("/projects/x")).status, 501);
    EXPECT_EQ(admin().request("GET", api_path("/projects")).status, 200);
}

TEST_P(HttpFraming, AnEncodedSlashOrNulNeverBecomesPartOfTheRoute) {
    user_creates_project("alice", "alice-proj");
    auto alice = as("alice");
    // Decoded before routing, "alice-proj%2Fagents" used to reach the project's agent list.
    for (const char* rest : {"/projects/alice-proj%2Fagents", "/projects/alice-proj%2fagents",
                             "/projects/alice-proj%00", "/projects/alice%0D%0Aproj"}) {
        auto r = alice.get(api_path(rest));
        EXPECT_EQ(r.status, 400) << rest << ": " << r.body;
        EXPECT_EQ(r.json()["kind"], "Error") << rest;
    }
    EXPECT_EQ(alice.get(api_path("/projects/alice-proj/agents")).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpFraming, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
