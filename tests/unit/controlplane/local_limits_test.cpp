// runtimes/local/limits: memory quantities, CPU times and a session's resource_overrides.
#include "controlplane/runtimes/local/limits.hpp"

#include <gtest/gtest.h>

namespace ambient::controlplane {
namespace {

TEST(ParseMemory, KubernetesQuantities) {
    const std::vector<std::pair<std::string, std::optional<std::uint64_t>>> cases = {
        {"512Mi", 512ull << 20}, {"2Gi", 2ull << 30},    {"1.5Gi", 3ull << 29},  {"64Ki", 64ull << 10},
        {"1G", 1000000000ull},   {"100M", 100000000ull}, {"65536", 65536ull},    {"1Ti", 1ull << 40},
        {"", std::nullopt},      {"Mi", std::nullopt},   {"-1Gi", std::nullopt}, {"1 Gi", std::nullopt},
        {"lots", std::nullopt},  {"1Gb", std::nullopt},  {"0", std::nullopt},    {"nan", std::nullopt},
    };
    for (const auto& [text, want] : cases)
        EXPECT_EQ(parse_memory(text), want) << text;
}

TEST(ParseCpuTime, SecondsOrDurations) {
    EXPECT_EQ(parse_cpu_time("600"), std::chrono::seconds(600));
    EXPECT_EQ(parse_cpu_time("10m"), std::chrono::minutes(10));
    EXPECT_EQ(parse_cpu_time("0"), std::chrono::seconds(0));
    EXPECT_FALSE(parse_cpu_time("1.5"));
    EXPECT_FALSE(parse_cpu_time("30d"));  // past a week is a typo
}

const RunnerLimits kDefaults{.memory_bytes = 2ull << 30, .pids = 512, .cpu = std::chrono::seconds(0)};

TEST(ResourceOverrides, EmptyMeansTheDefaults) {
    const auto l = apply_resource_overrides(kDefaults, "");
    EXPECT_EQ(l.memory_bytes, kDefaults.memory_bytes);
    EXPECT_EQ(l.pids, kDefaults.pids);
    EXPECT_EQ(l.cpu, kDefaults.cpu);
}

TEST(ResourceOverrides, FlatLimitsAndKubernetesShapesAreRead) {
    for (const std::string text :
         {R"({"memory":"512Mi","pids":64,"cpu_time":"10m"})",
          R"({"limits":{"memory":"512Mi","pids":64,"cpuTime":600}})",
          R"({"resources":{"limits":{"memory":"512Mi","cpu":"2","pids":64,"cpu_time":"600"}}})"}) {
        const auto l = apply_resource_overrides(kDefaults, text);
        EXPECT_EQ(l.memory_bytes, 512ull << 20) << text;
        EXPECT_EQ(l.pids, 64u) << text;
        EXPECT_EQ(l.cpu, std::chrono::seconds(600)) << text;
    }
}

TEST(ResourceOverrides, KubernetesCpuCoresAreIgnored) {
    const auto l = apply_resource_overrides(kDefaults, R"({"cpu":"1","memory":"1Gi"})");
    EXPECT_EQ(l.cpu, kDefaults.cpu);
    EXPECT_EQ(l.memory_bytes, 1ull << 30);
}

TEST(ResourceOverrides, MalformedValuesAreRefusedByField) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"not json", "resource_overrides"},
        {"[1]", "resource_overrides"},
        {R"({"memory":"lots"})", "resource_overrides.memory"},
        {R"({"memory":0})", "resource_overrides.memory"},
        {R"({"pids":0})", "resource_overrides.pids"},
        {R"({"pids":"many"})", "resource_overrides.pids"},
        {R"({"cpu_time":"0"})", "resource_overrides.cpu_time"},
    };
    for (const auto& [text, field] : cases) {
        try {
            apply_resource_overrides(kDefaults, text);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ResourceOverridesError& e) {
            EXPECT_EQ(std::string(e.what()).rfind(field + ":", 0), 0u) << e.what();
        }
    }
}

}  // namespace
}  // namespace ambient::controlplane
