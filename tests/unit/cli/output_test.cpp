// Upstream's table rules, which scripts that cut columns depend on.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/output.hpp"

namespace ambient::cli {
namespace {

TEST(Output, CellsArePaddedAndCutByRunes) {
    EXPECT_EQ(format_cell("abcdefghij", 7), "abcd...");
    EXPECT_EQ(format_cell("hi", 5), "hi   ");
    EXPECT_EQ(format_cell("exact", 5), "exact");
    EXPECT_EQ(format_cell("anything", 0), "anything");
    EXPECT_EQ(format_cell("日本語テスト", 5), "日本...");
}

TEST(Output, AgeIsTruncatedToTheLargestUnit) {
    const auto now = std::chrono::system_clock::from_time_t(1'800'000'000);
    auto at = [](long t) {
        char buf[32];
        const std::time_t tt = t;
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000000Z", std::gmtime(&tt));
        return Json{{"created_at", buf}};
    };
    EXPECT_EQ(format_age(at(1'800'000'000 - 59), now), "59s");
    EXPECT_EQ(format_age(at(1'800'000'000 - 119), now), "1m");
    EXPECT_EQ(format_age(at(1'800'000'000 - 7300), now), "2h");
    EXPECT_EQ(format_age(at(1'800'000'000 - 3 * 86400 - 5), now), "3d");
    EXPECT_EQ(format_age(Json::object(), now), "");
}

TEST(Output, YamlQuotesStringsThatWouldReadAsOtherTypes) {
    std::ostringstream out;
    print_yaml(out, Json{{"name", "alpha"}, {"count", 3}, {"flag", "true"}, {"num", "12"}, {"empty", ""}});
    const auto text = out.str();
    EXPECT_NE(text.find("name: alpha"), std::string::npos) << text;
    EXPECT_NE(text.find("count: 3"), std::string::npos) << text;
    EXPECT_NE(text.find("flag: \"true\""), std::string::npos) << text;
    EXPECT_NE(text.find("num: \"12\""), std::string::npos) << text;
    EXPECT_NE(text.find("empty: \"\""), std::string::npos) << text;
}

TEST(Output, UnknownFormatIsAUsageError) {
    EXPECT_THROW(parse_format("xml"), std::runtime_error);
    EXPECT_EQ(parse_format("yaml"), Format::Yaml);
}

}  // namespace
}  // namespace ambient::cli
