// The hand-written response head against the bytes Beast's serializer wrote for the same
// response (response_head.hpp): the wire must not change with the writer.
#include "common/http/response_head.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <gtest/gtest.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>

namespace ambient::http::detail {
namespace {

namespace bhttp = boost::beast::http;

// What Beast sends for `response` (header section only), built as the server used to build it.
std::string beast_head(const Response& response, const Request& request, bool keep_alive, BodyFraming framing) {
    bhttp::response<bhttp::string_body> message;
    message.version(11);
    message.result(wire_status(response.status));
    for (const auto& [name, value] : response.headers)
        message.insert(name, value);
    message.set(bhttp::field::server, kServerName);
    message.set("X-Operation-ID", request.operation_id);
    if (framing.kind == BodyFraming::Kind::Length) message.content_length(framing.length);
    if (framing.kind == BodyFraming::Kind::Chunked) message.chunked(true);
    message.keep_alive(keep_alive);
    bhttp::response_serializer<bhttp::string_body> serializer(message);
    std::string out;
    boost::system::error_code ec;
    serializer.split(true);
    while (!serializer.is_header_done()) {
        serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
            out += boost::beast::buffers_to_string(buffers);
            serializer.consume(boost::asio::buffer_size(buffers));
        });
    }
    return out;
}

Request request_with_id() {
    Request request;
    request.operation_id = "2K4zWxPwCt0zGyqDXAbDJfYnNnR";
    return request;
}

TEST(ResponseHead, IsWhatBeastWrote) {
    const auto request = request_with_id();
    for (int status : {200, 201, 404, 503, 299}) {
        for (bool keep_alive : {true, false}) {
            Response response = Response::json(status, R"({"id":"x"})");
            response.set_header("Cache-Control", "no-store");
            response.set_header("Vary", "Accept-Encoding");
            const auto length = BodyFraming::of_length(response.body.size());
            EXPECT_EQ(response_head(response, request, keep_alive, length),
                      beast_head(response, request, keep_alive, length))
                << status << " keep-alive " << keep_alive;
            // A streamed response's head, as Beast wrote it with chunked(true).
            EXPECT_EQ(response_head(response, request, keep_alive, BodyFraming::chunked()),
                      beast_head(response, request, keep_alive, BodyFraming::chunked()))
                << status << " keep-alive " << keep_alive << ", chunked";
        }
    }
    Response empty{.status = 204};
    EXPECT_EQ(response_head(empty, request, true, BodyFraming::none()),
              beast_head(empty, request, true, BodyFraming::none()));
}

TEST(ResponseHead, FramingAndServerFieldsAreTheServers) {
    Response response = Response::json(200, "{}");
    response.set_header("Content-Length", "999");
    response.set_header("Transfer-Encoding", "chunked");
    response.set_header("Connection", "keep-alive");
    response.set_header("Server", "spoofed");
    response.set_header("X-Operation-ID", "spoofed");
    const auto head = response_head(response, request_with_id(), true, BodyFraming::of_length(2));
    EXPECT_EQ(head.find("999"), std::string::npos);
    EXPECT_EQ(head.find("chunked"), std::string::npos);
    EXPECT_EQ(head.find("spoofed"), std::string::npos);
    EXPECT_NE(head.find("Content-Length: 2\r\n"), std::string::npos);
    EXPECT_NE(head.find("Server: ambient-api-server\r\n"), std::string::npos);
}

TEST(ResponseHead, AFieldThatWouldSplitTheHeadIsLeftOut) {
    Response response = Response::json(200, "{}");
    response.set_header("Location", "/x\r\nSet-Cookie: stolen=1");
    response.set_header("X-Bad\nName", "v");
    response.set_header("X-Nul", std::string("a\0b", 3));
    response.set_header("X-Fine", "kept");
    const auto head = response_head(response, request_with_id(), true, BodyFraming::of_length(2));
    EXPECT_EQ(head.find("Set-Cookie"), std::string::npos);
    EXPECT_EQ(head.find("X-Bad"), std::string::npos);
    EXPECT_EQ(head.find("X-Nul"), std::string::npos);
    EXPECT_NE(head.find("X-Fine: kept\r\n"), std::string::npos);
}

TEST(ResponseHead, AnImpossibleStatusIsSentAs500) {
    Response response = Response::json(42, "{}");
    EXPECT_EQ(response_head(response, request_with_id(), true, BodyFraming::of_length(2))
                  .rfind("HTTP/1.1 500 Internal Server Error\r\n", 0),
              0U);
}

}  // namespace
}  // namespace ambient::http::detail
