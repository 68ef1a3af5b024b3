#include "common/http/descriptor_limit.hpp"

#include <gtest/gtest.h>

namespace ambient::http {
namespace {

TEST(DescriptorLimit, RaisingLeavesTheSoftLimitAtLeastWhereItWas) {
    const auto limit = raise_descriptor_limit();
    EXPECT_GE(limit.now, limit.before);
    EXPECT_EQ(descriptor_limit(), limit.now);
}

TEST(DescriptorLimit, DefaultCapLeavesRoomForUpstreamSocketsAndTheDatabase) {
    EXPECT_EQ(default_max_connections(1024), 480u);
    EXPECT_EQ(default_max_connections(20000), 9968u);
    EXPECT_EQ(default_max_connections(1u << 20), 65536u);
    EXPECT_GE(default_max_connections(16), 1u);
}

}  // namespace
}  // namespace ambient::http
