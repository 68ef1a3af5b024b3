#include "controlplane/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

namespace ambient::controlplane {
namespace {

using Env = std::map<std::string, std::string>;

ControlPlaneConfig load(const Env& env, const std::vector<std::string>& args = {}) {
    std::ostringstream help;
    auto config = load_config(
        args,
        [&env](const char* name) -> std::optional<std::string> {
            auto it = env.find(name);
            if (it == env.end()) return std::nullopt;
            return it->second;
        },
        help);
    if (!config) throw std::logic_error("help");
    return *config;
}

// The name of the variable or flag a bad configuration is refused for.
std::string refused(const Env& env, const std::vector<std::string>& args = {}) {
    try {
        load(env, args);
    } catch (const ConfigError& e) {
        return e.name();
    }
    return "(accepted)";
}

const Env kToken = {{"AMBIENT_API_TOKEN", "service-token"}};

TEST(ControlPlaneConfig, DefaultsAreUpstreams) {
    const auto c = load(kToken);
    EXPECT_EQ(c.api_server_url, "http://localhost:8000");
    EXPECT_EQ(c.backend_api_url, "http://localhost:8000");
    EXPECT_EQ(c.api_token, "service-token");
    EXPECT_EQ(c.runtime, RuntimeKind::Local);
    EXPECT_EQ(c.token_refresh_interval, std::chrono::minutes(4));
    EXPECT_EQ(c.token_refresh_concurrency, 32u);
    EXPECT_EQ(c.stop_grace, std::chrono::seconds(10));
    EXPECT_EQ(c.watch_idle_timeout, std::chrono::seconds(90));  // three of the server's 30 s pings
    EXPECT_EQ(c.data_dir, "./data/sessions");
    EXPECT_FALSE(c.max_sessions);
    EXPECT_EQ(c.log_level, "info");
    EXPECT_EQ(c.runner_type, "");
    EXPECT_EQ(c.metrics_host, "127.0.0.1");
    EXPECT_EQ(c.metrics_port, 8080);
    EXPECT_FALSE(c.stop_runners_on_exit);  // runners outlive a restart unless asked
}

TEST(ControlPlaneConfig, BackendUrlFallsBackToApiServerUrl) {
    auto env = kToken;
    env["AMBIENT_API_SERVER_URL"] = "https://api.example:8443/";
    EXPECT_EQ(load(env).backend_api_url, "https://api.example:8443");
    env["BACKEND_API_URL"] = "http://10.0.0.1:8000";
    EXPECT_EQ(load(env).backend_api_url, "http://10.0.0.1:8000");
    EXPECT_EQ(load(env).api_server_url, "https://api.example:8443");
}

TEST(ControlPlaneConfig, KubernetesRuntimeFlagsAndTheirEnvironmentDefaults) {
    auto env = kToken;
    env["RUNNER_IMAGE"] = "registry.example/ambient-runner:2";
    env["POD_NAMESPACE"] = "platform";
    const auto c = load(env, {"--runtime", "kubernetes"});
    EXPECT_EQ(c.runtime, RuntimeKind::Kubernetes);
    EXPECT_STREQ(runtime_name(c.runtime), "kubernetes");
    EXPECT_EQ(c.runner_image, "registry.example/ambient-runner:2");
    EXPECT_EQ(c.api_server_namespace, "platform");
    EXPECT_TRUE(c.kubeconfig.empty());
    const auto flags = load(env, {"--runtime", "kubernetes", "--runner-image", "r:1", "--runner-image-pull-policy",
                                  "IfNotPresent", "--api-server-namespace", "api", "--kubeconfig", "/dev/null"});
    EXPECT_EQ(flags.runner_image, "r:1");
    EXPECT_EQ(flags.runner_image_pull_policy, "IfNotPresent");
    EXPECT_EQ(flags.api_server_namespace, "api");
    EXPECT_EQ(load(kToken, {"--runtime", "kubernetes", "--runner-image", "r:1"}).api_server_namespace, "ambient-code");
    EXPECT_FALSE(c.leader_elect);
    env["POD_NAME"] = "control-plane-7d9f";
    const auto elected = load(env, {"--runtime", "kubernetes", "--leader-elect", "--lease-duration", "20s"});
    EXPECT_TRUE(elected.leader_elect);
    EXPECT_EQ(elected.lease_namespace, "platform");
    EXPECT_EQ(elected.lease_name, "ambient-control-plane");
    EXPECT_EQ(elected.lease_identity, "control-plane-7d9f");
    EXPECT_EQ(elected.lease_duration, std::chrono::seconds(20));
    EXPECT_EQ(load(env, {"--runtime", "kubernetes", "--leader-elect", "--lease-namespace", "x", "--lease-name", "y"})
                  .lease_namespace,
              "x");
}

TEST(ControlPlaneConfig, FlagsAreRead) {
    const auto c = load(kToken, {"--runtime", "local", "--token-refresh-interval", "30s", "--data-dir", "/tmp/x",
                                 "--max-sessions", "7", "--stop-grace", "0", "--metrics-bindaddress", ":9100",
                                 "--stop-runners-on-exit", "--watch-idle-timeout", "2m"});
    EXPECT_TRUE(c.stop_runners_on_exit);
    EXPECT_EQ(c.watch_idle_timeout, std::chrono::minutes(2));
    EXPECT_EQ(c.token_refresh_interval, std::chrono::seconds(30));
    EXPECT_EQ(c.data_dir, "/tmp/x");
    EXPECT_EQ(c.max_sessions, 7u);
    EXPECT_EQ(c.stop_grace, std::chrono::seconds(0));
    EXPECT_EQ(c.metrics_host, "0.0.0.0");
    EXPECT_EQ(c.metrics_port, 9100);
    EXPECT_EQ(load(kToken, {"--token-refresh-concurrency", "8"}).token_refresh_concurrency, 8u);
}

TEST(ControlPlaneConfig, TokenFileWinsAndMustExist) {
    const auto path = std::filesystem::temp_directory_path() / "cp_config_test_token";
    std::ofstream(path) << "from-file\n";
    const auto c = load(kToken, {"--api-token-file", path.string()});
    EXPECT_EQ(c.api_token_file, path);
    EXPECT_EQ(c.api_token, "");
    std::filesystem::remove(path);
    EXPECT_EQ(refused(kToken, {"--api-token-file", path.string()}), "--api-token-file");
}

TEST(ControlPlaneConfig, HelpReturnsNothing) {
    std::ostringstream help;
    EXPECT_FALSE(load_config(
        {"--help"}, [](const char*) { return std::nullopt; }, help));
    EXPECT_NE(help.str().find("--token-refresh-interval"), std::string::npos);
}

struct Refusal {
    Env env;
    std::vector<std::string> args;
    std::string name;
};

TEST(ControlPlaneConfig, BadValuesAreRefusedByName) {
    const std::vector<Refusal> cases = {
        {{}, {}, "AMBIENT_API_TOKEN"},
        {{{"AMBIENT_API_TOKEN", ""}}, {}, "AMBIENT_API_TOKEN"},
        {{{"AMBIENT_API_TOKEN", "t"}, {"AMBIENT_API_SERVER_URL", "localhost:8000"}}, {}, "AMBIENT_API_SERVER_URL"},
        {{{"AMBIENT_API_TOKEN", "t"}, {"AMBIENT_API_SERVER_URL", "http://user:pw@host"}}, {}, "AMBIENT_API_SERVER_URL"},
        {{{"AMBIENT_API_TOKEN", "t"}, {"BACKEND_API_URL", "ftp://host"}}, {}, "BACKEND_API_URL"},
        {{{"AMBIENT_API_TOKEN", "t"}, {"LOG_LEVEL", "loud"}}, {}, "LOG_LEVEL"},
        {{{"AMBIENT_API_TOKEN", "t"}, {"RUNNER_TYPE", "python"}}, {}, "RUNNER_TYPE"},
        {kToken, {"--runtime", "cloud"}, "--runtime"},
        {kToken, {"--leader-elect"}, "--leader-elect"},
        {kToken, {"--runtime", "kubernetes", "--runner-image", "r:1", "--leader-elect"}, "--lease-namespace"},
        {kToken,
         {"--runtime", "kubernetes", "--runner-image", "r:1", "--leader-elect", "--lease-namespace", "n",
          "--lease-duration", "1s"},
         "--lease-duration"},
        {kToken, {"--runtime", "kubernetes"}, "--runner-image"},
        {kToken, {"--runtime", "kubernetes", "--runner-image", "r:1", "--kubeconfig", "/nonexistent"}, "--kubeconfig"},
        {kToken,
         {"--runtime", "kubernetes", "--runner-image", "r:1", "--runner-image-pull-policy", "Sometimes"},
         "--runner-image-pull-policy"},
        {kToken, {"--token-refresh-interval", "0"}, "--token-refresh-interval"},
        {kToken, {"--token-refresh-interval", "4 m"}, "--token-refresh-interval"},
        {kToken, {"--token-refresh-interval", "2d"}, "--token-refresh-interval"},
        {kToken, {"--stop-grace=-1s"}, "--stop-grace"},
        {kToken, {"--max-sessions", "0"}, "--max-sessions"},
        {kToken, {"--token-refresh-concurrency", "0"}, "--token-refresh-concurrency"},
        {kToken, {"--token-refresh-concurrency", "5000"}, "--token-refresh-concurrency"},
        {kToken, {"--data-dir", ""}, "--data-dir"},
        {kToken, {"--metrics-bindaddress", "9100"}, "--metrics-bindaddress"},
        {kToken, {"--metrics-bindaddress", "127.0.0.1:70000"}, "--metrics-bindaddress"},
        {kToken, {"--sandbox", "docker"}, "--sandbox"},
        {kToken, {"--runner-binary", "/nonexistent/ambient-runner"}, "--runner-binary"},
        {kToken, {"--runner-memory", "lots"}, "--runner-memory"},
        {kToken, {"--runner-memory", "1Mi"}, "--runner-memory"},
        {kToken, {"--runner-memory", "-1Gi"}, "--runner-memory"},
        {kToken, {"--runner-pids", "0"}, "--runner-pids"},
        {kToken, {"--runner-pids", "many"}, "command line"},
        {kToken, {"--runner-cpu", "1.5h"}, "--runner-cpu"},
        {kToken, {"--runner-cpu", "30d"}, "--runner-cpu"},
        {kToken, {"--runner-uid", "nobody"}, "--runner-uid"},
        {kToken, {"--runner-uid", "1000:"}, "--runner-uid"},
        {kToken, {"--no-such-flag"}, "command line"},
        {kToken, {"--max-sessions", "many"}, "command line"},
    };
    for (const auto& c : cases) {
        std::string shown;
        for (const auto& a : c.args)
            shown += a + " ";
        EXPECT_EQ(refused(c.env, c.args), c.name) << shown;
    }
}

TEST(ControlPlaneConfig, RunnerFlagsAreRead) {
    const auto d = load(kToken);
    EXPECT_EQ(d.sandbox, "bwrap");
    EXPECT_EQ(d.runner_memory, 2ull << 30);
    EXPECT_EQ(d.runner_pids, 512u);
    EXPECT_EQ(d.runner_cpu, std::chrono::seconds(0));
    EXPECT_FALSE(d.runner_uid);
    // Beside our own executable (here: the test binary's directory).
    EXPECT_EQ(d.runner_binary.filename(), "ambient-runner");
    EXPECT_TRUE(d.runner_binary.is_absolute());

    const auto c = load(kToken, {"--sandbox", "none", "--runner-binary", "/bin/sh", "--runner-memory", "512Mi",
                                 "--runner-pids", "64", "--runner-cpu", "1h", "--runner-uid", "1000:1001"});
    EXPECT_EQ(c.sandbox, "none");
    EXPECT_EQ(c.runner_binary, "/bin/sh");
    EXPECT_EQ(c.runner_memory, 512ull << 20);
    EXPECT_EQ(c.runner_pids, 64u);
    EXPECT_EQ(c.runner_cpu, std::chrono::hours(1));
    EXPECT_EQ(c.runner_uid, std::make_pair(1000u, 1001u));
    EXPECT_EQ(load(kToken, {"--runner-cpu", "600"}).runner_cpu, std::chrono::seconds(600));
    EXPECT_EQ(load(kToken, {"--runner-uid", "1234"}).runner_uid, std::make_pair(1234u, 1234u));
}

TEST(ControlPlaneConfig, RunnerTypeIsKept) {
    auto env = kToken;
    env["RUNNER_TYPE"] = "echo";
    EXPECT_EQ(load(env).runner_type, "echo");
}

}  // namespace
}  // namespace ambient::controlplane
