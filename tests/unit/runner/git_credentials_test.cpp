#include "runner/git_credentials.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/shell_quote.hpp"
#include "support/server_process.hpp"

namespace ambient::runner {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr const char* kToken = "ghp_unitTestTokenValue0123456789";

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

std::string read_all(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string value_of(const Environment& env, const std::string& name) {
    for (const auto& [n, v] : env)
        if (n == name) return v;
    return "<absent>";
}

GitCredentialsOptions options_in(const TempDir& dir) {
    return {dir.path() / ".ambient", "/opt/ambient/bin/ambient-runner", {}};
}

TEST(GitCredentials, FileIsPrivateFromTheStartAndGoesWithTheObject) {
    TempDir dir;
    fs::path file;
    {
        GitCredentials creds({{"github", "cred-1", kToken}}, options_in(dir));
        file = creds.file();
        EXPECT_EQ(file.parent_path(), dir.path() / ".ambient");
        EXPECT_EQ(mode_of(dir.path() / ".ambient"), 0700u);
        EXPECT_EQ(mode_of(file), 0600u);
        const auto parsed = parse_git_credential_file(read_all(file));
        ASSERT_TRUE(parsed);
        ASSERT_EQ(parsed->credentials.size(), 1u);
        EXPECT_EQ(parsed->credentials[0].token, kToken);
        EXPECT_EQ(parsed->credentials[0].provider, "github");
    }
    EXPECT_FALSE(fs::exists(file));
}

TEST(GitCredentials, ExistingDirectoryIsMadePrivate) {
    TempDir dir;
    fs::create_directory(dir.path() / ".ambient");
    ::chmod((dir.path() / ".ambient").c_str(), 0755);
    GitCredentials creds({{"github", "c", kToken}}, options_in(dir));
    EXPECT_EQ(mode_of(dir.path() / ".ambient"), 0700u);
}

TEST(GitCredentials, SymlinkedDirectoryIsRefused) {
    TempDir dir;
    fs::create_directory(dir.path() / "elsewhere");
    fs::create_directory_symlink(dir.path() / "elsewhere", dir.path() / ".ambient");
    EXPECT_THROW(GitCredentials({{"github", "c", kToken}}, options_in(dir)), GitCredentialsError);
    EXPECT_TRUE(fs::is_empty(dir.path() / "elsewhere"));
}

TEST(GitCredentials, FilesOfAKilledRunnerAreRemoved) {
    TempDir dir;
    fs::create_directory(dir.path() / ".ambient");
    const auto stale = dir.path() / ".ambient" / "git-credentials-0123abcd";
    std::ofstream(stale) << "{\"credentials\":[]}";
    GitCredentials creds({{"github", "c", kToken}}, options_in(dir));
    EXPECT_FALSE(fs::exists(stale));
    EXPECT_TRUE(fs::exists(creds.file()));
}

TEST(GitCredentials, EveryTurnUsesTheSamePathOneAtATime) {
    TempDir dir;
    Environment first_env;
    {
        GitCredentials first({{"github", "c", "first-token"}}, options_in(dir));
        first_env = first.environment();
        EXPECT_THROW(GitCredentials({{"github", "c", kToken}}, options_in(dir)), GitCredentialsError);
        EXPECT_NE(read_all(first.file()).find("first-token"), std::string::npos);  // untouched
    }
    GitCredentials second({{"github", "c", kToken}}, options_in(dir));
    EXPECT_EQ(second.environment(), first_env);
    EXPECT_NE(read_all(second.file()).find(kToken), std::string::npos);
}

TEST(GitCredentials, EnvironmentConfiguresTheHelperAndHoldsNoToken) {
    TempDir dir;
    GitCredentials creds({{"github", "c", kToken}}, options_in(dir));
    const auto env = creds.environment();
    for (const auto& [name, value] : env) {
        EXPECT_EQ(name.find(kToken), std::string::npos);
        EXPECT_EQ(value.find(kToken), std::string::npos) << name;
    }
    EXPECT_EQ(value_of(env, "GIT_CONFIG_COUNT"), "2");
    EXPECT_EQ(value_of(env, "GIT_CONFIG_KEY_0"), "credential.helper");
    EXPECT_EQ(value_of(env, "GIT_CONFIG_VALUE_0"), "");  // resets inherited helpers
    EXPECT_EQ(value_of(env, "GIT_CONFIG_KEY_1"), "credential.helper");
    EXPECT_EQ(value_of(env, "GIT_CONFIG_VALUE_1"), "!'/opt/ambient/bin/ambient-runner' git-credential");
    EXPECT_EQ(value_of(env, kGitCredentialsFileVariable), creds.file().string());
    EXPECT_EQ(value_of(env, "GIT_TERMINAL_PROMPT"), "0");
}

TEST(GitCredentials, HelperDefaultsToThisExecutable) {
    TempDir dir;
    GitCredentials creds({}, {dir.path() / ".ambient", {}, {}});
    EXPECT_EQ(value_of(creds.environment(), "GIT_CONFIG_VALUE_1"),
              "!" + shell_quote(current_executable().string()) + " git-credential");
}

// Which credential a host gets: one row per rule.
struct ChoiceCase {
    const char* name;
    std::vector<GitCredential> credentials;
    std::vector<std::pair<std::string, std::string>> host_providers;
    GitCredentialRequest request;
    const char* username;  // nullptr: nothing offered
    const char* password;
};

TEST(GitCredentialChoice, Table) {
    const GitCredential gh{"github", "g", "gh-token"};
    const GitCredential gl{"gitlab", "l", "gl-token"};
    const GitCredential bb{"bitbucket", "b", "bb-token"};
    const GitCredential anthropic{"anthropic", "a", "sk-ant-x"};
    const std::vector<ChoiceCase> cases = {
        {"github.com", {gh, gl}, {}, {"https", "github.com", "o/r.git"}, "x-access-token", "gh-token"},
        {"github host with a port", {gh}, {}, {"https", "api.GitHub.example:8443", ""}, "x-access-token", "gh-token"},
        {"gitlab.com", {gh, gl}, {}, {"https", "gitlab.com", ""}, "oauth2", "gl-token"},
        {"self-hosted gitlab", {gh, gl}, {}, {"https", "gitlab.corp.example", ""}, "oauth2", "gl-token"},
        {"github host without a github credential", {gl}, {}, {"https", "github.com", ""}, nullptr, nullptr},
        {"provider named by a host label", {gh, bb}, {}, {"https", "bitbucket.org", ""}, "x-access-token", "bb-token"},
        {"unknown host gets nothing", {gh, gl}, {}, {"https", "evil.example", ""}, nullptr, nullptr},
        {"explicit rule",
         {gh},
         {{"git.corp.example", "github"}},
         {"https", "git.corp.example:443", ""},
         "x-access-token",
         "gh-token"},
        {"explicit rule wins over the name",
         {gh, gl},
         {{"github.corp", "gitlab"}},
         {"https", "github.corp", ""},
         "oauth2",
         "gl-token"},
        {"loopback prefers github", {anthropic, gh}, {}, {"http", "127.0.0.1:39001", ""}, "x-access-token", "gh-token"},
        {"localhost", {gh}, {}, {"http", "localhost:8080", ""}, "x-access-token", "gh-token"},
        {"ipv6 loopback", {gh}, {}, {"http", "[::1]:8080", ""}, "x-access-token", "gh-token"},
        {"loopback with the only credential", {gl}, {}, {"http", "127.0.0.1:1", ""}, "oauth2", "gl-token"},
        {"loopback, several and no github", {gl, anthropic}, {}, {"http", "127.0.0.1:1", ""}, nullptr, nullptr},
        {"plain http to a remote host", {gh}, {}, {"http", "github.com", ""}, nullptr, nullptr},
        {"ssh is not the helper's", {gh}, {}, {"ssh", "github.com", ""}, nullptr, nullptr},
        {"empty token", {{"github", "g", ""}}, {}, {"https", "github.com", ""}, nullptr, nullptr},
        {"token with a line break", {{"github", "g", "a\nhost=x"}}, {}, {"https", "github.com", ""}, nullptr, nullptr},
        {"no host", {gh}, {}, {"https", "", ""}, nullptr, nullptr},
    };
    for (const auto& c : cases) {
        const auto got = choose_git_credential({c.credentials, c.host_providers}, c.request);
        if (c.username == nullptr) {
            EXPECT_FALSE(got) << c.name;
            continue;
        }
        ASSERT_TRUE(got) << c.name;
        EXPECT_EQ(got->username, c.username) << c.name;
        EXPECT_EQ(got->password, c.password) << c.name;
    }
}

TEST(GitCredentialHelper, GetAnswersFromTheFile) {
    TempDir dir;
    GitCredentials creds({{"github", "c", kToken}}, options_in(dir));
    std::istringstream in("protocol=https\nhost=github.com\npath=o/r.git\ncapability[]=authtype\n\n");
    std::ostringstream out;
    EXPECT_EQ(run_git_credential_helper("get", in, out, creds.file().c_str()), 0);
    EXPECT_EQ(out.str(), std::string("username=x-access-token\npassword=") + kToken + "\n");
}

TEST(GitCredentialHelper, SaysNothingOnceTheFileIsGone) {
    TempDir dir;
    fs::path file;
    {
        GitCredentials creds({{"github", "c", kToken}}, options_in(dir));
        file = creds.file();
    }
    std::istringstream in("protocol=https\nhost=github.com\n\n");
    std::ostringstream out;
    EXPECT_EQ(run_git_credential_helper("get", in, out, file.c_str()), 0);
    EXPECT_EQ(out.str(), "");
    std::istringstream in2("protocol=https\nhost=github.com\n\n");
    EXPECT_EQ(run_git_credential_helper("get", in2, out, nullptr), 0);
    EXPECT_EQ(out.str(), "");
}

TEST(GitCredentialHelper, StoreAndEraseAreIgnoredAndUnknownOperationsFail) {
    TempDir dir;
    GitCredentials creds({{"github", "c", kToken}}, options_in(dir));
    const auto before = std::string(std::istreambuf_iterator<char>(std::ifstream(creds.file()).rdbuf()), {});
    for (const char* op : {"store", "erase"}) {
        std::istringstream in("protocol=https\nhost=github.com\nusername=u\npassword=p\n\n");
        std::ostringstream out;
        EXPECT_EQ(run_git_credential_helper(op, in, out, creds.file().c_str()), 0);
        EXPECT_EQ(out.str(), "");
    }
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(std::ifstream(creds.file()).rdbuf()), {}), before);
    std::istringstream in("\n");
    std::ostringstream out;
    EXPECT_EQ(run_git_credential_helper("frobnicate", in, out, creds.file().c_str()), 1);
}

TEST(GitCredentialHelper, RequestParsing) {
    std::istringstream in(
        "protocol=HTTPS\r\nhost=example.com:8443\r\npath=a/b\r\nwwwauth[]=Basic\r\n\r\nhost=ignored\n");
    const auto r = read_git_credential_request(in);
    EXPECT_EQ(r.protocol, "https");
    EXPECT_EQ(r.host, "example.com:8443");
    EXPECT_EQ(r.path, "a/b");
}

TEST(GitCredentialHelper, MalformedFileOffersNothing) {
    EXPECT_FALSE(parse_git_credential_file("not json"));
    EXPECT_FALSE(parse_git_credential_file("{\"credentials\":[{\"provider\":1}]}"));
    const auto roundtrip =
        parse_git_credential_file(serialize_git_credential_file({{{"github", "id", "t"}}, {{"h.example", "github"}}}));
    ASSERT_TRUE(roundtrip);
    EXPECT_EQ(roundtrip->host_providers.at(0).first, "h.example");
    EXPECT_EQ(roundtrip->credentials.at(0).credential_id, "id");
}

}  // namespace
}  // namespace ambient::runner
