// The runner's repositories against a fake git host served over smart HTTP (the real
// `git http-backend` behind Basic auth demanding the granted token): clones on the right
// branch, the agent's `git push` through the credential helper (the real ambient-runner
// binary), and the token in no file of the workspace but the 0600 credential file.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "common/crypto/base64.hpp"
#include "runner/agents/child_process.hpp"
#include "runner/git_credentials.hpp"
#include "runner/repositories.hpp"
#include "support/fake_git_server.hpp"
#include "support/server_process.hpp"

namespace ambient::runner {
namespace {

namespace fs = std::filesystem;
using testing::FakeGitServer;
using testing::TempDir;

std::string random_token() {
    std::random_device rd;
    std::string t = "ghp_";
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; i < 36; ++i)
        t += alphabet[rd() % 62];
    return t;
}

std::string read_all(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    return s;
}

// Every regular file under `root` (hidden ones and .git included) whose bytes hold `needle`.
std::vector<fs::path> files_containing(const fs::path& root, const std::string& needle) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file() || entry.is_symlink()) continue;
        if (read_all(entry.path()).find(needle) != std::string::npos) out.push_back(entry.path());
    }
    return out;
}

class RepositoriesTest : public ::testing::Test {
protected:
    void SetUp() override {
        // A user whose global config stores credentials: the runner's helper list must
        // replace it, or git would write the token to ~/.git-credentials.
        fs::create_directories(home_.path());
        std::ofstream(home_.path() / ".gitconfig") << "[credential]\n\thelper = store\n";
        if (const char* h = std::getenv("HOME")) saved_home_ = h;
        ::setenv("HOME", home_.path().c_str(), 1);
        helper_ = testing::binary_dir() / "ambient-runner";
        ASSERT_TRUE(fs::exists(helper_)) << helper_ << " (build ambient-runner)";
    }
    void TearDown() override {
        if (saved_home_)
            ::setenv("HOME", saved_home_->c_str(), 1);
        else
            ::unsetenv("HOME");
    }

    std::unique_ptr<GitCredentials> credentials(const std::string& token) {
        return std::make_unique<GitCredentials>(
            std::vector<GitCredential>{{"github", "cred-github", token}, {"anthropic", "cred-llm", "sk-ant-other"}},
            GitCredentialsOptions{workspace_.path() / ".ambient", helper_, {}});
    }

    RepositoryOptions options(const GitCredentials& creds) {
        RepositoryOptions o;
        o.workspace = workspace_.path();
        o.session_id = kSession;
        o.git_environment = creds.environment();
        o.git_timeout = std::chrono::seconds(60);
        return o;
    }

    // git as the agent runs it: a child process with the runner's environment plus the
    // turn's (only environment() added).
    testing::ProgramResult agent_git(const GitCredentials& creds, const fs::path& cwd,
                                     const std::vector<std::string>& args) {
        auto env = inherited_environment({});
        for (const auto& [name, value] : creds.environment())
            env.push_back(name + "=" + value);
        std::vector<std::string> argv = {"git"};
        argv.insert(argv.end(), args.begin(), args.end());
        return testing::run_program(argv, env, cwd);
    }

    std::string git_out(const fs::path& cwd, const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"git"};
        argv.insert(argv.end(), args.begin(), args.end());
        return trim(testing::run_program(argv, inherited_environment({}), cwd).out);
    }

    static constexpr const char* kSession = "2abcDEF0123456789ghijklmnop";
    TempDir server_dir_;
    TempDir workspace_;
    TempDir home_;
    std::optional<std::string> saved_home_;
    fs::path helper_;
    std::string token_ = random_token();
    FakeGitServer server_{server_dir_.path(), token_};
};

TEST_F(RepositoriesTest, ClonesTheRequestedBranch) {
    auto creds = credentials(token_);
    const auto prepared = prepare_repositories({{server_.url(), "feature"}}, options(*creds));
    ASSERT_EQ(prepared.repositories.size(), 1u);
    const auto& repo = prepared.repositories[0];
    EXPECT_EQ(repo.name, "project");
    EXPECT_EQ(repo.path, workspace_.path() / "repos" / "project");
    EXPECT_EQ(repo.branch, "feature");
    EXPECT_FALSE(repo.reused);
    EXPECT_EQ(prepared.working_directory, repo.path);
    EXPECT_EQ(git_out(repo.path, {"rev-parse", "--abbrev-ref", "HEAD"}), "feature");
    EXPECT_EQ(git_out(repo.path, {"rev-parse", "HEAD"}), server_.feature_commit());
    EXPECT_EQ(git_out(repo.path, {"rev-parse", "--abbrev-ref", "@{upstream}"}), "origin/feature");
    EXPECT_EQ(git_out(repo.path, {"config", "user.name"}), "Ambient Code Bot");
    EXPECT_EQ(git_out(repo.path, {"config", "user.email"}), "bot@ambient-code.local");
    EXPECT_EQ(git_out(repo.path, {"config", "remote.origin.url"}), server_.url());
    // git asked anonymously first, then through the helper, with GitHub's user name.
    EXPECT_GE(server_.anonymous_requests(), 1u);
    ASSERT_FALSE(server_.offered().empty());
    for (const auto& offer : server_.offered()) {
        EXPECT_EQ(offer.username, "x-access-token");
        EXPECT_TRUE(offer.password == token_);
    }
}

TEST_F(RepositoriesTest, WithoutABranchCreatesTheSessionBranch) {
    auto creds = credentials(token_);
    const auto prepared = prepare_repositories({{server_.url(), ""}}, options(*creds));
    const auto& repo = prepared.repositories.at(0);
    EXPECT_EQ(repo.branch, std::string("ambient/") + kSession);
    EXPECT_EQ(git_out(repo.path, {"rev-parse", "--abbrev-ref", "HEAD"}), repo.branch);
    EXPECT_EQ(git_out(repo.path, {"rev-parse", "HEAD"}), server_.main_commit());
}

TEST_F(RepositoriesTest, AMissingBranchIsCreatedFromTheDefaultOne) {
    auto creds = credentials(token_);
    const auto prepared = prepare_repositories({{server_.url(), "topic/new"}}, options(*creds));
    const auto& repo = prepared.repositories.at(0);
    EXPECT_EQ(git_out(repo.path, {"rev-parse", "--abbrev-ref", "HEAD"}), "topic/new");
    EXPECT_EQ(git_out(repo.path, {"rev-parse", "HEAD"}), server_.main_commit());
}

TEST_F(RepositoriesTest, TheAgentsPushReachesTheServerAndTheTokenStaysInItsFile) {
    fs::path credential_file;
    {
        auto creds = credentials(token_);
        credential_file = creds->file();
        const auto prepared = prepare_repositories({{server_.url(), ""}, {server_.url(), "feature"}}, options(*creds));
        ASSERT_EQ(prepared.repositories.size(), 2u);
        EXPECT_EQ(prepared.repositories[1].name, "project-2");

        // A commit and a plain `git push` on each: the new session branch and the tracked one.
        for (const auto& repo : prepared.repositories) {
            std::ofstream(repo.path / "change.txt") << "made by the agent on " << repo.branch << "\n";
            ASSERT_EQ(agent_git(*creds, repo.path, {"add", "change.txt"}).status, 0);
            const auto commit = agent_git(*creds, repo.path, {"commit", "-q", "-m", "agent change"});
            ASSERT_EQ(commit.status, 0) << commit.err;
            const auto push = agent_git(*creds, repo.path, {"push", "-q"});
            ASSERT_EQ(push.status, 0) << push.err;
            EXPECT_EQ(push.err.find(token_), std::string::npos);
            EXPECT_EQ(server_.ref("refs/heads/" + repo.branch), git_out(repo.path, {"rev-parse", "HEAD"}));
        }
        EXPECT_NE(server_.ref("refs/heads/feature"), server_.feature_commit());

        // The token is in one file of the whole workspace (.git and .ambient included): the
        // credential file, mode 0600 — not in .git/config, not in a credential store.
        EXPECT_EQ(files_containing(workspace_.path(), token_), std::vector<fs::path>{credential_file});
        const auto basic = crypto::base64_encode("x-access-token:" + token_);
        EXPECT_TRUE(files_containing(workspace_.path(), basic).empty());
        struct stat st {};
        ASSERT_EQ(::stat(credential_file.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 07777, 0600u);
        EXPECT_TRUE(files_containing(home_.path(), token_).empty());
        EXPECT_FALSE(fs::exists(home_.path() / ".git-credentials"));
    }
    EXPECT_FALSE(fs::exists(credential_file));
    EXPECT_TRUE(files_containing(workspace_.path(), token_).empty());
}

TEST_F(RepositoriesTest, AfterTheTurnGitGetsNoCredentialAndDoesNotPrompt) {
    auto creds = credentials(token_);
    const auto prepared = prepare_repositories({{server_.url(), ""}}, options(*creds));
    const auto env = creds->environment();
    creds.reset();  // the turn ended
    auto child_env = inherited_environment({});
    for (const auto& [name, value] : env)
        child_env.push_back(name + "=" + value);
    const auto fetch = testing::run_program({"git", "fetch", "-q"}, child_env, prepared.working_directory);
    EXPECT_NE(fetch.status, 0);
    EXPECT_NE(fetch.err.find("terminal prompts disabled"), std::string::npos) << fetch.err;
}

TEST_F(RepositoriesTest, AWrongTokenFailsNamingTheRepository) {
    const std::string wrong = "ghp_wrongWrongWrongWrongWrongWrongWrong";
    auto creds = credentials(wrong);
    try {
        prepare_repositories({{server_.url(), "feature"}}, options(*creds));
        FAIL() << "the clone succeeded";
    } catch (const RepositoryError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(server_.url()), std::string::npos) << message;
        EXPECT_NE(message.find("Authentication failed"), std::string::npos) << message;
        EXPECT_EQ(message.find(wrong), std::string::npos) << message;
        EXPECT_EQ(message.find(token_), std::string::npos) << message;
        EXPECT_EQ(e.repository(), server_.url());
    }
    ASSERT_FALSE(server_.offered().empty());
    EXPECT_EQ(server_.offered().front().password, wrong);
    EXPECT_FALSE(fs::exists(workspace_.path() / "repos" / "project"));
    EXPECT_TRUE(fs::is_empty(workspace_.path() / "repos"));  // no partial clone left
}

TEST_F(RepositoriesTest, AUrlWithUserinfoIsRefusedWithoutContactingTheServer) {
    auto creds = credentials(token_);
    auto url = server_.url();
    url.insert(std::string("http://").size(), "x-access-token:" + token_ + "@");
    try {
        prepare_repositories({{url, ""}}, options(*creds));
        FAIL() << "the URL was accepted";
    } catch (const RepositoryError& e) {
        EXPECT_EQ(std::string(e.what()).find(token_), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(server_.url()), std::string::npos) << e.what();
    }
    EXPECT_TRUE(server_.offered().empty());
    EXPECT_EQ(server_.anonymous_requests(), 0u);
}

TEST_F(RepositoriesTest, ARestartedRunnerReusesTheClone) {
    auto creds = credentials(token_);
    const auto first = prepare_repositories({{server_.url(), ""}}, options(*creds));
    std::ofstream(first.working_directory / "work-in-progress.txt") << "not committed\n";
    const auto requests = server_.offered().size() + server_.anonymous_requests();

    const auto second = prepare_repositories({{server_.url(), ""}}, options(*creds));
    ASSERT_EQ(second.repositories.size(), 1u);
    EXPECT_TRUE(second.repositories[0].reused);
    EXPECT_EQ(second.repositories[0].branch, std::string("ambient/") + kSession);
    EXPECT_TRUE(fs::exists(second.working_directory / "work-in-progress.txt"));
    EXPECT_EQ(server_.offered().size() + server_.anonymous_requests(), requests);  // no network

    // The same directory name for another repository is an error, not a silent mix-up.
    EXPECT_THROW(prepare_repositories({{"https://github.com/o/project.git", ""}}, options(*creds)), RepositoryError);
}

TEST_F(RepositoriesTest, AGitThatHangsIsStoppedByTheTimeout) {
    // A host that takes the connection (the kernel's backlog does) and never answers.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    const auto url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/silent.git";

    auto creds = credentials(token_);
    auto o = options(*creds);
    o.git_timeout = std::chrono::seconds(1);
    const auto started = std::chrono::steady_clock::now();
    try {
        prepare_repositories({{url, ""}}, o);
        ADD_FAILURE() << "the clone succeeded";
    } catch (const RepositoryError& e) {
        EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    EXPECT_TRUE(fs::is_empty(workspace_.path() / "repos"));
    ::close(listener);
}

}  // namespace
}  // namespace ambient::runner
