// The framing rules Beast 1.74 does not enforce (framing.hpp): each row is a request's framing
// headers and the answer RFC 9112 asks for.
#include "common/http/framing.hpp"

#include <gtest/gtest.h>

namespace ambient::http {
namespace {

TEST(HeaderSection, EndsAtTheFirstEmptyLine) {
    EXPECT_EQ(header_section_size("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), 27u);
    EXPECT_FALSE(header_section_size("GET / HTTP/1.1\r\nHost: a\r\n"));
    EXPECT_FALSE(header_section_size(""));
}

TEST(HeaderSection, TellsAtOnceWhatCannotStartARequest) {
    EXPECT_TRUE(could_start_request(""));
    EXPECT_TRUE(could_start_request("GE"));
    EXPECT_TRUE(could_start_request("\r\nGET / HTTP/1.1\r\nHost: \x80\r\n"));  // fields are Beast's to judge
    EXPECT_TRUE(could_start_request("get /a\tb HTTP/1.1\r"));
    EXPECT_FALSE(could_start_request("\x16\x03\x01\x02\x00"));  // a TLS ClientHello
    EXPECT_FALSE(could_start_request(std::string_view("GET /\0", 6)));
    EXPECT_FALSE(could_start_request("GET /\x7f"));
}

TEST(HeaderSection, FindsObsoleteLineFolding) {
    EXPECT_FALSE(has_folded_line("GET / HTTP/1.1\r\nHost: a\r\nX-A: one two\r\n\r\n"));
    EXPECT_TRUE(has_folded_line("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n"));
    EXPECT_TRUE(has_folded_line("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n\ttwo\r\n\r\n"));
    // Whitespace before the first field line is the same trick (RFC 9112 2.2).
    EXPECT_TRUE(has_folded_line("GET / HTTP/1.1\r\n Host: a\r\n\r\n"));
    EXPECT_FALSE(has_folded_line("GET / HTTP/1.1\r\n\r\n"));
}

struct FramingCase {
    const char* name;
    int version;
    std::vector<std::string_view> transfer_encodings;
    std::size_t content_length_fields;
    int status;  // 0: accepted
};

class Framing : public ::testing::TestWithParam<FramingCase> {};

TEST_P(Framing, AnswersAsRfc9112Asks) {
    const auto& c = GetParam();
    const auto error = check_framing({c.version, c.transfer_encodings, c.content_length_fields});
    if (c.status == 0) {
        EXPECT_FALSE(error) << error->reason;
    } else {
        ASSERT_TRUE(error);
        EXPECT_EQ(error->status, c.status) << error->reason;
        EXPECT_FALSE(error->reason.empty());
    }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, Framing,
    ::testing::Values(FramingCase{"NoBody", 11, {}, 0, 0}, FramingCase{"ContentLength", 11, {}, 1, 0},
                      FramingCase{"RepeatedContentLength", 11, {}, 2, 0},  // Beast refuses differing values
                      FramingCase{"Chunked", 11, {"chunked"}, 0, 0},
                      FramingCase{"ChunkedAnyCase", 11, {"ChUnKeD"}, 0, 0},
                      FramingCase{"ChunkedNotLast", 11, {"chunked, identity"}, 0, 400},
                      FramingCase{"ChunkedNotLastAcrossFields", 11, {"chunked", "identity"}, 0, 400},
                      FramingCase{"IdentityOnly", 11, {"identity"}, 0, 400},
                      FramingCase{"ChunkedTwice", 11, {"chunked, chunked"}, 0, 400},
                      FramingCase{"ChunkedTwiceAcrossFields", 11, {"chunked", "chunked"}, 0, 400},
                      FramingCase{"EmptyValue", 11, {""}, 0, 400}, FramingCase{"OnlyCommas", 11, {" , ,"}, 0, 400},
                      FramingCase{"WithContentLength", 11, {"chunked"}, 1, 400},
                      FramingCase{"IdentityWithContentLength", 11, {"identity"}, 1, 400},
                      FramingCase{"OnHttp10", 10, {"chunked"}, 0, 400},
                      FramingCase{"GzipThenChunked", 11, {"gzip, chunked"}, 0, 501},
                      FramingCase{"GzipThenChunkedAcrossFields", 11, {"gzip", "chunked"}, 0, 501},
                      FramingCase{"EmptyElementsSkipped", 11, {", chunked ,"}, 0, 0},
                      FramingCase{"ParametersIgnored", 11, {"chunked;x=1"}, 0, 0}),
    [](const ::testing::TestParamInfo<FramingCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ambient::http
