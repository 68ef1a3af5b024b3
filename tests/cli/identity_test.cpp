// login, logout, whoami, version, config and project against the real API server, and the
// OIDC logins against a fake issuer (fake_oidc.hpp): the authorization code with PKCE through
// the loopback callback, the client-credentials grant, and renewal of an expired token.
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "cli/cli_fixture.hpp"
#include "cli/fake_oidc.hpp"
#include "common/http/url.hpp"
#include "support/http_client.hpp"

namespace ambient::testing::cli {
namespace {

using namespace std::chrono_literals;

// acpctl as a user who has not logged in: no token, no URL in the environment.
const EnvChanges kNoEnvLogin = {"AMBIENT_TOKEN", "AMBIENT_API_URL"};

unsigned mode_of(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

// The decoded query of a URL.
std::map<std::string, std::string> query_of(const std::string& url) {
    std::map<std::string, std::string> out;
    const auto question = url.find('?');
    if (question == std::string::npos) return out;
    const auto decoded = http::decode_target("/?" + url.substr(question + 1));
    if (decoded) {
        for (const auto& [key, value] : decoded->query)
            out.emplace(key, value);
    }
    return out;
}

// A GET of an http://127.0.0.1:<port>/… URL, as the user's browser makes it.
HttpResult browser_get(const std::string& url) {
    const auto authority_start = url.find("//") + 2;
    const auto path_start = url.find('/', authority_start);
    const auto authority = url.substr(authority_start, path_start - authority_start);
    const auto colon = authority.rfind(':');
    HttpClient client(authority.substr(0, colon), static_cast<std::uint16_t>(std::stoi(authority.substr(colon + 1))));
    return client.get(url.substr(path_start));
}

// The authorization URL acpctl prints on stderr (the line holding response_type=).
std::string wait_for_authorization_url(const BackgroundCli& cli) {
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < until) {
        const auto err = cli.err();
        const auto marker = err.find("response_type=");
        if (marker != std::string::npos) {
            const auto start = err.rfind("http", marker);
            return err.substr(start, err.find_first_of(" \n", marker) - start);
        }
        std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "no authorization URL on stderr: " << cli.err();
    return {};
}

class IdentityTest : public CliTest {
protected:
    json config() const {
        std::ifstream in(config_file());
        return json::parse(in);
    }
    void write_config(const json& j) const {
        std::filesystem::create_directories(config_file().parent_path());
        std::ofstream(config_file()) << j.dump();
    }
    FakeOidc::Minter minter() const {
        return [this](const std::string& username) { return user_token(username); };
    }
    CliResult login_with_token(const std::string& token) const {
        return acpctl({"login", api_url(), "--token", token}, kNoEnvLogin);
    }
};

// ------------------------------------------------------------------------- login and logout

TEST_F(IdentityTest, LoginSavesUrlTokenAndProjectPrivatelyAndLogoutForgetsTheToken) {
    const auto token = user_token("alice");
    auto r = acpctl({"login", api_url(), "--token", token, "--project", "demo"}, kNoEnvLogin);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "Login successful. Configuration saved to " + config_file().string() + "\n");
    EXPECT_EQ(r.out.find(token), std::string::npos);
    EXPECT_EQ(r.err.find(token), std::string::npos);
    EXPECT_EQ(mode_of(config_file()), 0600u);
    EXPECT_EQ(mode_of(config_file().parent_path()), 0700u);
    auto saved = config();
    EXPECT_EQ(saved["api_url"], api_url());
    EXPECT_EQ(saved["access_token"], token);
    EXPECT_EQ(saved["project"], "demo");

    // The saved login is used when the environment has none; AMBIENT_TOKEN wins over it.
    r = acpctl({"whoami"}, kNoEnvLogin);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(first_line(r.out), "User:       alice");
    r = acpctl({"whoami"}, {"AMBIENT_API_URL"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Type:       service\n"), std::string::npos) << r.out;

    r = acpctl({"logout"}, kNoEnvLogin);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "Logged out successfully.\n");
    saved = config();
    EXPECT_FALSE(saved.contains("access_token"));
    EXPECT_EQ(saved["api_url"], api_url());
    EXPECT_EQ(saved["project"], "demo");
    r = acpctl({"whoami"}, kNoEnvLogin);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.err, "Error: not logged in; run 'acpctl login' first\n");
}

TEST_F(IdentityTest, LoginReadsTheTokenFromStdinWithTokenDash) {
    const auto token = user_token("carol");
    const auto r = acpctl({"login", "--url", api_url(), "--token", "-"}, kNoEnvLogin, token + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(config()["access_token"], token);
}

TEST_F(IdentityTest, LoginWarnsAboutAnExpiredOrSoonExpiringToken) {
    auto r = login_with_token(user_token("dave", -1h));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.rfind("Warning: token is already expired (at 20", 0), 0u) << r.err;
    r = login_with_token(user_token("dave", 1h));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.rfind("Warning: token expires soon (at 20", 0), 0u) << r.err;
    r = login_with_token(user_token("dave", 48h));
    EXPECT_EQ(r.err, "");
}

TEST_F(IdentityTest, LoginNeedsExactlyOneModeAndAValidUrl) {
    const std::string mode_error =
        "Error: exactly one of --token, --use-auth-code, or --client-credentials is required\n";
    auto r = acpctl({"login", api_url()}, kNoEnvLogin);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, mode_error);
    r = acpctl({"login", api_url(), "--token", "t", "--use-auth-code"}, kNoEnvLogin);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, mode_error);
    r = acpctl({"login", "not-a-url", "--token", "t"}, kNoEnvLogin);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("invalid API URL \"not-a-url\""), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(config_file()));
}

// ---------------------------------------------------------------------------------- whoami

TEST_F(IdentityTest, WhoamiAsksTheServerAndPrintsUserFirst) {
    const auto token = user_token("erin");
    auto r = acpctl({"whoami"}, {"AMBIENT_TOKEN=" + token, "AMBIENT_PROJECT=demo"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(first_line(r.out), "User:       erin");
    for (const std::string& line :
         std::vector<std::string>{"Name:       erin\n", "Email:      erin@example.com\n", "Type:       user\n",
                                  "Expires:    20", "API URL:    " + api_url() + "\n", "Project:    demo\n"})
        EXPECT_NE(r.out.find(line), std::string::npos) << line << " in " << r.out;

    r = acpctl({"whoami", "-o", "json"}, {"AMBIENT_TOKEN=" + token});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto me = json::parse(r.out);
    EXPECT_EQ(me["kind"], "CurrentUser");
    EXPECT_EQ(me["username"], "erin");

    r = acpctl({"whoami", "-t"}, {"AMBIENT_TOKEN=" + token});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, token);  // no newline
}

TEST_F(IdentityTest, WhoamiForTheServiceToken) {
    const auto r = acpctl({"whoami"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("User:", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("Type:       service\n"), std::string::npos) << r.out;
}

TEST_F(IdentityTest, WhoamiWithATokenTheServerRejectsIsExitThree) {
    const auto r = acpctl({"whoami"}, {"AMBIENT_TOKEN=this-token-was-never-issued-by-anyone-0123"});
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("(HTTP 401"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// --------------------------------------------------------------------------------- version

TEST_F(IdentityTest, VersionShowsTheClientAndTheServer) {
    const auto r = acpctl({"version"}, {"AMBIENT_TOKEN"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("Client: 0.", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("\nServer: 0."), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(commit: "), std::string::npos) << r.out;
}

TEST_F(IdentityTest, VersionWithTheServerDownSaysUnavailableAndSucceeds) {
    server().process().stop();
    const auto r = acpctl({"version"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("Client: ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("\nServer: unavailable ("), std::string::npos) << r.out;
}

// ---------------------------------------------------------------------------------- config

TEST_F(IdentityTest, ConfigGetAndSetUpstreamKeys) {
    auto r = acpctl({"config", "get", "access_token"}, kNoEnvLogin);
    EXPECT_EQ(r.out, "(not set)\n");
    ASSERT_EQ(login_with_token(user_token("frank")).exit_code, 0);
    r = acpctl({"config", "get", "access_token"}, kNoEnvLogin);
    EXPECT_EQ(r.out, "[REDACTED]\n");

    r = acpctl({"config", "set", "api_url", "https://ambient.example.org/"}, kNoEnvLogin);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "Set api_url = https://ambient.example.org/\n");
    EXPECT_EQ(acpctl({"config", "get", "api_url"}, kNoEnvLogin).out, "https://ambient.example.org\n");
    r = acpctl({"config", "set", "api_url", "ambient.example.org"}, kNoEnvLogin);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("invalid API URL"), std::string::npos) << r.err;

    ASSERT_EQ(acpctl({"config", "set", "request_timeout", "12"}, kNoEnvLogin).exit_code, 0);
    EXPECT_EQ(acpctl({"config", "get", "request_timeout"}, kNoEnvLogin).out, "12\n");
    EXPECT_EQ(config()["request_timeout"], 12);
    ASSERT_EQ(acpctl({"config", "set", "pager", "less"}, kNoEnvLogin).exit_code, 0);
    EXPECT_EQ(acpctl({"config", "get", "pager"}, kNoEnvLogin).out, "less\n");

    r = acpctl({"config", "get", "colour"}, kNoEnvLogin);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("Error: unknown config key: colour (valid keys: api_url, project", 0), 0u) << r.err;
    r = acpctl({"config", "set", "access_token", "x"}, kNoEnvLogin);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("Error: unknown config key: access_token", 0), 0u) << r.err;
}

// --------------------------------------------------------------------------------- project

TEST_F(IdentityTest, ProjectSetCurrentAndList) {
    auto r = acpctl({"project", "list"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "No projects found\n");
    r = acpctl({"project"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(first_line(r.out), "No project context set");

    made("/projects", {{"name", "alpha"}, {"description", "the first"}});
    r = acpctl({"project", "set", "alpha"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "Switched to project \"alpha\"\n");
    EXPECT_EQ(config()["project"], "alpha");
    EXPECT_EQ(acpctl({"project", "current"}).out, "Current project: alpha\n");
    EXPECT_EQ(acpctl({"project"}, {"AMBIENT_PROJECT=beta"}).out,
              "Current project: beta (from AMBIENT_PROJECT environment variable)\n");

    made("/projects", {{"name", "gamma"}});
    r = acpctl({"project", "gamma"});  // the shorthand of `project set`
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(config()["project"], "gamma");

    r = acpctl({"project", "list"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("NAME", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("DESCRIPTION"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("alpha"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("the first"), std::string::npos) << r.out;
}

TEST_F(IdentityTest, ProjectSetRefusesInvalidAndMissingProjects) {
    auto r = acpctl({"project", "set", "Not_A_Label"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("Error: invalid project name: ", 0), 0u) << r.err;
    r = acpctl({"project", "set", "nowhere"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err,
              "Error: project \"nowhere\" does not exist; create it first with: acpctl create project --name "
              "nowhere\n");
    EXPECT_FALSE(std::filesystem::exists(config_file()));
}

// -------------------------------------------------------------------------------------- OIDC

TEST_F(IdentityTest, AuthCodeLoginWithPkceStoresTokensThatWork) {
    FakeOidc oidc(minter());
    auto login = acpctl_background(
        {"login", api_url(), "--use-auth-code", "--issuer-url", oidc.issuer_url(), "--client-id", "acpctl"},
        kNoEnvLogin);
    const auto url = wait_for_authorization_url(*login);
    ASSERT_EQ(url.rfind(oidc.issuer_url() + "/authorize?", 0), 0u) << url;  // from discovery
    auto query = query_of(url);
    EXPECT_EQ(query["response_type"], "code");
    EXPECT_EQ(query["client_id"], "acpctl");
    EXPECT_EQ(query["code_challenge_method"], "S256");
    EXPECT_EQ(query["code_challenge"].size(), 43u);
    EXPECT_GE(query["state"].size(), 16u);
    const auto redirect_uri = query["redirect_uri"];
    EXPECT_EQ(redirect_uri.rfind("http://127.0.0.1:", 0), 0u) << redirect_uri;
    EXPECT_TRUE(redirect_uri.ends_with("/callback")) << redirect_uri;

    // Another path on the callback's port is not the callback and does not end the login.
    EXPECT_EQ(browser_get(redirect_uri.substr(0, redirect_uri.size() - 9) + "/favicon.ico").status, 404);

    // The user signs in: the issuer sends the browser back to the callback with a code.
    const auto signed_in = browser_get(url);
    ASSERT_EQ(signed_in.status, 302) << signed_in.body;
    const auto callback = signed_in.header("location");
    ASSERT_EQ(callback.rfind(redirect_uri + "?", 0), 0u) << callback;
    const auto back = browser_get(callback);
    EXPECT_EQ(back.status, 200);
    EXPECT_NE(back.body.find("Login successful"), std::string::npos) << back.body;

    ASSERT_EQ(login->wait_exit(), 0) << login->err();
    EXPECT_NE(login->out().find("Login successful. Configuration saved to"), std::string::npos);
    EXPECT_EQ(oidc.tokens_issued("authorization_code"), 1);  // the verifier matched the challenge
    const auto saved = config();
    EXPECT_EQ(saved["issuer_url"], oidc.issuer_url());
    EXPECT_EQ(saved["client_id"], "acpctl");
    EXPECT_EQ(saved["refresh_token"].get<std::string>().rfind("refresh-", 0), 0u);

    const auto r = acpctl({"whoami"}, kNoEnvLogin);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(first_line(r.out), "User:       oidc-user");
}

TEST_F(IdentityTest, AuthCodeCallbackWithAnotherStateIsRefusedAsPossibleCsrf) {
    FakeOidc oidc(minter());
    auto login = acpctl_background(
        {"login", api_url(), "--use-auth-code", "--issuer-url", oidc.issuer_url(), "--client-id", "acpctl"},
        kNoEnvLogin);
    const auto url = wait_for_authorization_url(*login);
    const auto redirect_uri = query_of(url)["redirect_uri"];
    ASSERT_FALSE(redirect_uri.empty()) << url;
    const auto forged = browser_get(redirect_uri + "?code=stolen&state=not-the-state");
    EXPECT_EQ(forged.status, 400);
    EXPECT_NE(forged.body.find("CSRF"), std::string::npos) << forged.body;
    EXPECT_EQ(login->wait_exit(), 3);
    EXPECT_NE(login->err().find("state mismatch (possible CSRF)"), std::string::npos) << login->err();
    EXPECT_FALSE(std::filesystem::exists(config_file()));
    EXPECT_EQ(oidc.tokens_issued("authorization_code"), 0);
}

TEST_F(IdentityTest, ClientCredentialsLoginWithKeycloakPaths) {
    FakeOidc oidc(minter(), {.discovery = false});
    auto r = acpctl({"login", api_url(), "--client-credentials", "--issuer-url", oidc.issuer_url(), "--client-id",
                     "acpctl", "--client-secret", "wrong-secret"},
                    kNoEnvLogin);
    EXPECT_EQ(r.exit_code, 3);
    // The issuer's error_description, not just its error code.
    EXPECT_NE(r.err.find("Invalid client or Invalid client credentials"), std::string::npos) << r.err;

    r = acpctl({"login", api_url(), "--client-credentials", "--issuer-url", oidc.issuer_url(), "--client-id", "acpctl",
                "--client-secret", "fake-client-secret"},
               kNoEnvLogin);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(oidc.tokens_issued("client_credentials"), 1);
    EXPECT_EQ(std::filesystem::exists(config_file()), true);
    EXPECT_EQ(config().dump().find("fake-client-secret"), std::string::npos);  // never saved
    r = acpctl({"whoami"}, kNoEnvLogin);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(first_line(r.out), "User:       service-account-acpctl");
}

TEST_F(IdentityTest, AnExpiredStoredTokenIsRenewedWithTheRefreshToken) {
    FakeOidc oidc(minter());
    const auto expired = user_token("grace", -2min);
    const auto refresh = oidc.issue_refresh_token("grace");
    write_config({{"api_url", api_url()},
                  {"access_token", expired},
                  {"refresh_token", refresh},
                  {"issuer_url", oidc.issuer_url()},
                  {"client_id", "acpctl"},
                  {"pager", "less"},
                  {"a_future_key", 7}});
    const auto r = acpctl({"whoami"}, kNoEnvLogin);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(first_line(r.out), "User:       grace");
    EXPECT_EQ(oidc.tokens_issued("refresh_token"), 1);
    const auto saved = config();
    EXPECT_NE(saved["access_token"], expired);
    EXPECT_NE(saved["refresh_token"], refresh);  // the issuer rotated it
    EXPECT_EQ(saved["a_future_key"], 7);
    EXPECT_EQ(mode_of(config_file()), 0600u);

    // Still valid now: no second renewal.
    ASSERT_EQ(acpctl({"whoami"}, kNoEnvLogin).exit_code, 0);
    EXPECT_EQ(oidc.tokens_issued("refresh_token"), 1);
}

TEST_F(IdentityTest, ARefusedRenewalSaysToLogInAgain) {
    FakeOidc oidc(minter());
    write_config({{"api_url", api_url()},
                  {"access_token", user_token("heidi", -2min)},
                  {"refresh_token", oidc.issue_refresh_token("heidi")},
                  {"issuer_url", oidc.issuer_url()},
                  {"client_id", "acpctl"}});
    oidc.revoke_refresh_tokens();
    const auto r = acpctl({"whoami"}, kNoEnvLogin);
    EXPECT_EQ(r.exit_code, 3) << r.out;
    EXPECT_EQ(r.err, "Error: renew the expired access token: Token is not active; run 'acpctl login' again\n");
    EXPECT_EQ(oidc.tokens_issued("refresh_token"), 0);
}

}  // namespace
}  // namespace ambient::testing::cli
