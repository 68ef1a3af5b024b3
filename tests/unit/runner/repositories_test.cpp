#include "runner/repositories.hpp"

#include <gtest/gtest.h>

#include "support/server_process.hpp"

namespace ambient::runner {
namespace {

namespace fs = std::filesystem;

TEST(RepositoryUrl, Accepted) {
    for (const char* url : {
             "https://github.com/owner/repo.git",
             "https://github.com/owner/repo",
             "http://127.0.0.1:8080/project.git",
             "https://[::1]:8443/r.git",
             "ssh://git@github.com/owner/repo.git",
             "ssh://github.com:2222/owner/repo.git",
             "git@github.com:owner/repo.git",
             "file:///srv/git/repo.git",
         }) {
        EXPECT_NO_THROW(check_repository_url(url)) << url;
    }
}

struct Refused {
    std::string url;
    std::string secret;  // must not appear in the message
};

TEST(RepositoryUrl, Refused) {
    const std::vector<Refused> cases = {
        {"https://user:s3cr3t-tok@github.com/o/r.git", "s3cr3t-tok"},
        {"https://s3cr3t-tok@github.com/o/r.git", "s3cr3t-tok"},
        {"http://x-access-token:s3cr3t-tok@127.0.0.1:80/r.git", "s3cr3t-tok"},
        {"ssh://git:s3cr3t-tok@github.com/o/r.git", "s3cr3t-tok"},
        {"ext::sh -c touch% /tmp/pwned", ""},
        {"ext::sh", ""},
        {"fd::3", ""},
        {"ext::https://github.com/o/r", ""},
        {"/srv/git/repo.git", ""},
        {"./relative/repo", ""},
        {"repo", ""},
        {"--upload-pack=touch /tmp/x", ""},
        {"-uhttps://github.com/o/r", ""},
        {"ftp://example.com/r.git", ""},
        {"git://example.com/r.git", ""},
        {"https://github.com/o/r with space", ""},
        {std::string("https://github.com/o/r\n"), ""},
        {"https:///path-only", ""},
        {"file://host/srv/repo.git", ""},
        {"ssh://-oProxyCommand=touch%20x/r.git", ""},
        {"git@-oProxyCommand=x:r.git", ""},
        {"", ""},
    };
    for (const auto& c : cases) {
        try {
            check_repository_url(c.url);
            ADD_FAILURE() << "accepted: " << c.url;
        } catch (const RepositoryError& e) {
            EXPECT_NE(std::string(e.what()).find("cannot clone"), std::string::npos) << e.what();
            if (!c.secret.empty()) {
                EXPECT_EQ(std::string(e.what()).find(c.secret), std::string::npos) << e.what();
                EXPECT_EQ(e.repository().find(c.secret), std::string::npos);
                EXPECT_NE(std::string(e.what()).find(url_without_userinfo(c.url)), std::string::npos) << e.what();
            }
        }
    }
}

TEST(RepositoryUrl, WithoutUserinfo) {
    EXPECT_EQ(url_without_userinfo("https://u:p@github.com/o/r.git"), "https://github.com/o/r.git");
    EXPECT_EQ(url_without_userinfo("https://a@b@github.com/o/r"), "https://github.com/o/r");
    EXPECT_EQ(url_without_userinfo("https://github.com/o/r@v1"), "https://github.com/o/r@v1");
    EXPECT_EQ(url_without_userinfo("git@github.com:o/r.git"), "git@github.com:o/r.git");
    EXPECT_EQ(url_without_userinfo("ssh://git@h/r"), "ssh://h/r");
}

TEST(RepositoryNames, DerivedFromTheUrlSafeAndUnique) {
    const std::vector<RepoSpec> repos = {
        {"https://github.com/owner/repo.git", ""},
        {"https://gitlab.com/other/repo", ""},
        {"git@github.com:o/repo.git", ""},
        {"https://github.com/o/repo-2.git", ""},
        {"https://github.com/o/My%20Repo!.git/", ""},
        {"https://github.com/o/.hidden.git", ""},
        {"https://github.com/o/..git", ""},
        {"https://github.com/o/Tool.GIT?ref=x", ""},
        {"file:///srv/a/b/lib", ""},
        {"git@host:lonely.git", ""},
    };
    EXPECT_EQ(repository_names(repos), (std::vector<std::string>{"repo", "repo-2", "repo-3", "repo-2-2", "My-20Repo-",
                                                                 "hidden", "repo-4", "Tool", "lib", "lonely"}));
}

TEST(SessionRepositories, RepoUrlThenRepos) {
    const auto session = nlohmann::json::parse(R"({
        "repo_url": "https://github.com/o/main.git",
        "repos": "[{\"url\":\"https://github.com/o/lib.git\",\"branch\":\"dev\"},\"https://github.com/o/docs\"]"
    })");
    const auto repos = session_repositories(session);
    ASSERT_EQ(repos.size(), 3u);
    EXPECT_EQ(repos[0].url, "https://github.com/o/main.git");
    EXPECT_EQ(repos[0].branch, "");
    EXPECT_EQ(repos[1].url, "https://github.com/o/lib.git");
    EXPECT_EQ(repos[1].branch, "dev");
    EXPECT_EQ(repos[2].url, "https://github.com/o/docs");
}

TEST(SessionRepositories, ReposEntryGivesTheRepoUrlItsBranch) {
    const auto session = nlohmann::json::parse(R"({
        "repo_url": "https://github.com/o/main.git",
        "repos": [{"url": "https://github.com/o/main.git", "branch": "release"}]
    })");
    const auto repos = session_repositories(session);
    ASSERT_EQ(repos.size(), 1u);
    EXPECT_EQ(repos[0].branch, "release");
}

TEST(SessionRepositories, NoneAndMalformed) {
    EXPECT_TRUE(session_repositories(nlohmann::json::object()).empty());
    EXPECT_TRUE(session_repositories(nlohmann::json::parse(R"({"repo_url":"","repos":""})")).empty());
    EXPECT_TRUE(session_repositories(nlohmann::json::parse(R"({"repos":"[]"})")).empty());
    try {
        session_repositories(nlohmann::json::parse(R"({"repos":"{not json"})"));
        ADD_FAILURE() << "accepted malformed repos";
    } catch (const RepositoryError& e) {
        EXPECT_EQ(e.repository(), "repos");
    }
}

TEST(SessionRepositories, RunnerReposOverride) {
    RunnerConfig config;
    const auto session = nlohmann::json::parse(R"({"repo_url":"https://github.com/o/main.git"})");
    EXPECT_EQ(repositories_to_clone(config, session).size(), 1u);
    config.repos_override = std::vector<RepoSpec>{{"https://github.com/o/a", "x"}, {"https://github.com/o/b", ""}};
    const auto repos = repositories_to_clone(config, session);
    ASSERT_EQ(repos.size(), 2u);
    EXPECT_EQ(repos[0].url, "https://github.com/o/a");
    EXPECT_EQ(repos[0].branch, "x");
}

TEST(PrepareRepositories, NoneMeansArtifacts) {
    testing::TempDir dir;
    RepositoryOptions options;
    options.workspace = dir.path();
    options.session_id = "s1";
    const auto prepared = prepare_repositories({}, options);
    EXPECT_EQ(prepared.working_directory, dir.path() / "artifacts");
    EXPECT_TRUE(fs::is_directory(dir.path() / "artifacts"));
    EXPECT_TRUE(prepared.repositories.empty());
}

TEST(PrepareRepositories, ABadUrlIsRefusedBeforeAnyClone) {
    testing::TempDir dir;
    RepositoryOptions options;
    options.workspace = dir.path();
    options.session_id = "s1";
    EXPECT_THROW(prepare_repositories({{"file:///nonexistent/a.git", ""}, {"ext::sh", ""}}, options), RepositoryError);
    EXPECT_FALSE(fs::exists(dir.path() / "repos" / "a"));
}

TEST(PrepareRepositories, AnInvalidBranchNameIsRefused) {
    testing::TempDir dir;
    RepositoryOptions options;
    options.workspace = dir.path();
    options.session_id = "s1";
    for (const char* branch : {"bad..name", "-b", "with space", "x.lock", "a~b"}) {
        try {
            prepare_repositories({{"file:///nonexistent/a.git", branch}}, options);
            ADD_FAILURE() << "accepted " << branch;
        } catch (const RepositoryError& e) {
            EXPECT_NE(std::string(e.what()).find("invalid branch name"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace ambient::runner
