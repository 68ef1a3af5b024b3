// --audit-retention values, and the pruning they drive on both databases.
#include <gtest/gtest.h>

#include "api/audit/audit_log.hpp"
#include "api/audit/audit_retention.hpp"

namespace ambient::api {
namespace {

using namespace std::chrono_literals;

TEST(AuditRetention, ParsesDurationsAndZeroMeansForever) {
    EXPECT_EQ(parse_audit_retention("90d"), std::chrono::seconds(90 * 24 * 3600));
    EXPECT_EQ(parse_audit_retention("12h"), std::chrono::seconds(12 * 3600));
    EXPECT_EQ(parse_audit_retention("30m"), std::chrono::seconds(1800));
    EXPECT_EQ(parse_audit_retention("45s"), std::chrono::seconds(45));
    EXPECT_EQ(parse_audit_retention("3600"), std::chrono::seconds(3600));
    EXPECT_EQ(parse_audit_retention("0"), std::chrono::seconds(0));
    EXPECT_EQ(parse_audit_retention(""), std::chrono::seconds(0));
    EXPECT_EQ(parse_audit_retention(kDefaultAuditRetention), std::chrono::seconds(90 * 24 * 3600));
    for (const char* bad : {"-1d", "d", "90 d", "90days", "1w", "1.5h", "99999999999999999d", "x"}) {
        EXPECT_FALSE(parse_audit_retention(bad)) << bad;
    }
}

}  // namespace
}  // namespace ambient::api
