// Where acpctl's effective values come from — a flag over the environment over the file —
// and the two that change how it connects: the request timeout and skipping TLS verification.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fstream>
#include "cli/cli_fixture.hpp"
#include "support/fake_tls_runner.hpp"
#include "support/test_ca.hpp"

namespace ambient::testing::cli {
namespace {

// A port that accepts connections (the kernel completes them) and never answers.
class SilentListener {
public:
    SilentListener() {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 || listen(fd_, 16) != 0 ||
            getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0)
            throw std::runtime_error("cannot listen on 127.0.0.1");
        port_ = ntohs(address.sin_port);
    }
    ~SilentListener() { close(fd_); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    int port_ = 0;
};

// A URL where nothing listens: a port just released.
std::string closed_url() {
    SilentListener released;
    return released.url();
}

class ConfigPrecedence : public CliTest {
protected:
    void write_config(const json& config) {
        std::filesystem::create_directories(config_file().parent_path());
        std::ofstream(config_file()) << config.dump();
        std::filesystem::permissions(config_file(),
                                     std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
};

TEST_F(ConfigPrecedence, TheEnvironmentWinsOverTheFileAndTheFlagOverBoth) {
    const auto nowhere = closed_url();
    write_config({{"api_url", nowhere}, {"access_token", kTestToken}});

    // The file alone: nothing listens there.
    auto r = acpctl({"get", "projects"}, {"AMBIENT_API_URL", "AMBIENT_TOKEN"});
    EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
    EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << r.err;

    // The environment overrides the file.
    r = acpctl({"get", "projects"}, {"AMBIENT_API_URL=" + api_url(), "AMBIENT_TOKEN"});
    EXPECT_EQ(r.exit_code, 0) << r.err;

    // The flag overrides the environment.
    r = acpctl({"--api-url", nowhere, "get", "projects"}, {"AMBIENT_API_URL=" + api_url()});
    EXPECT_EQ(r.exit_code, 5) << r.out << r.err;

    // A token from the environment overrides the file's: a bad one is refused.
    r = acpctl({"get", "projects"}, {"AMBIENT_API_URL=" + api_url(), "AMBIENT_TOKEN=not-a-valid-token-at-all"});
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_EQ(r.err.find("not-a-valid-token-at-all"), std::string::npos) << "the token is in the error line";
}

TEST_F(ConfigPrecedence, TheRequestTimeoutEndsARequestTheServerNeverAnswers) {
    SilentListener silent;
    const auto started = std::chrono::steady_clock::now();
    const auto r = acpctl({"get", "projects"}, {"AMBIENT_API_URL=" + silent.url(), "AMBIENT_REQUEST_TIMEOUT=1"});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    // The default is 30 s; 1 s plus process start is far below it.
    EXPECT_LT(took, std::chrono::seconds(15));

    const auto bad = acpctl({"get", "projects"}, {"AMBIENT_REQUEST_TIMEOUT=soon"});
    EXPECT_EQ(bad.exit_code, 1) << bad.err;
    EXPECT_NE(bad.err.find("AMBIENT_REQUEST_TIMEOUT"), std::string::npos) << bad.err;
}

TEST_F(ConfigPrecedence, TlsIsVerifiedUnlessSkippingIsAskedFor) {
    TempDir dir;
    TestCa ca(dir.path());
    const auto certificate = ca.issue("server", {"127.0.0.1", "localhost"});
    FakeTlsRunner tls({"s", certificate.certificate_file, certificate.key_file, 1, std::chrono::milliseconds(10)});

    // Signed by a CA acpctl does not trust: refused before any request is sent.
    auto r = acpctl({"--api-url", tls.url(), "get", "projects"});
    EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
    EXPECT_EQ(tls.requests(), 0);

    // Skipping verification: the request reaches the server (which knows no such route).
    r = acpctl({"--api-url", tls.url(), "--insecure-skip-tls-verify", "get", "projects"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(tls.requests(), 1);
}

}  // namespace
}  // namespace ambient::testing::cli
