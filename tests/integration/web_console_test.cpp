// The web console as a browser meets it (src/api/web_console.hpp): a built console served
// from --web-dir with its caching and security headers, gzip, index.html for client routes,
// nothing outside the files it found at startup, and none of it with --no-web.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
constexpr const char* kSecret = "not for the web: outside the console's directory";

void write(const std::filesystem::path& path, const std::string& content) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
}

// A built console as web/build.mjs lays it out, with bodies past the gzip threshold, and a
// file beside it (and a link to that file inside it) that must never be served.
class WebConsole : public ::testing::Test {
protected:
    void SetUp() override {
        web_dir_ = root_.path() / "web";
        index_ = "<!doctype html><title>Ambient</title>" + std::string(4000, ' ') + "<div id=app></div>";
        script_ = "console.log('ambient');" + std::string(4000, ';');
        write(web_dir_ / "index.html", index_);
        write(web_dir_ / "assets" / "main-ABC123.js", script_);
        write(root_.path() / "secret.txt", kSecret);
        std::filesystem::create_symlink(root_.path() / "secret.txt", web_dir_ / "link.txt");
    }

    ApiServer& start(std::vector<std::string> args) {
        server_ = std::make_unique<ApiServer>(Backend::Sqlite, std::move(args));
        return *server_;
    }

    TempDir root_;
    std::filesystem::path web_dir_;
    std::string index_;
    std::string script_;
    std::unique_ptr<ApiServer> server_;
};

const HeaderPairs kBrowser = {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};

TEST_F(WebConsole, IndexIsRevalidatedAndCarriesTheSecurityHeaders) {
    auto http = start({"--web-dir", web_dir_.string()}).client(false);
    const auto index = http.get("/", kBrowser);
    ASSERT_EQ(index.status, 200);
    EXPECT_EQ(index.body, index_);
    EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(index.header("Cache-Control"), "no-cache");
    EXPECT_EQ(index.header("Content-Security-Policy"), kCsp);
    EXPECT_EQ(index.header("X-Frame-Options"), "DENY");
    EXPECT_EQ(index.header("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(index.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(http.get("/index.html").header("Cache-Control"), "no-cache");
}

TEST_F(WebConsole, HashedAssetsAreCachedForAYear) {
    auto http = start({"--web-dir", web_dir_.string()}).client(false);
    const auto script = http.get("/assets/main-ABC123.js");
    ASSERT_EQ(script.status, 200);
    EXPECT_EQ(script.body, script_);
    EXPECT_EQ(script.header("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(script.header("Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(script.header("X-Content-Type-Options"), "nosniff");
}

TEST_F(WebConsole, GzipOnlyWhenTheClientAcceptsIt) {
    auto http = start({"--web-dir", web_dir_.string()}).client(false);
    const auto zipped = http.get("/assets/main-ABC123.js", {{"Accept-Encoding", "gzip, br"}});
    ASSERT_EQ(zipped.status, 200);
    EXPECT_EQ(zipped.header("Content-Encoding"), "gzip");
    EXPECT_NE(zipped.header("Vary").find("Accept-Encoding"), std::string::npos);
    ASSERT_GE(zipped.body.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(zipped.body[0]), 0x1f);  // the gzip magic
    EXPECT_EQ(static_cast<unsigned char>(zipped.body[1]), 0x8b);
    EXPECT_LT(zipped.body.size(), script_.size());

    const auto plain = http.get("/assets/main-ABC123.js", {{"Accept-Encoding", "gzip;q=0"}});
    EXPECT_EQ(plain.header("Content-Encoding"), "");
    EXPECT_EQ(plain.body, script_);
}

TEST_F(WebConsole, ClientRoutesAnswerIndexToBrowsersOnly) {
    auto& server = start({"--web-dir", web_dir_.string()});
    auto http = server.client(false);
    for (const char* route : {"/projects", "/projects/demo", "/sessions/2abc"}) {
        const auto page = http.get(route, kBrowser);
        EXPECT_EQ(page.status, 200) << route;
        EXPECT_EQ(page.body, index_) << route;
    }
    // Not a browser navigating: the route does not exist.
    EXPECT_EQ(http.get("/projects/demo").status, 404);
    // A missing asset or API path is a 404 even to a browser, with the API's error body.
    EXPECT_EQ(http.get("/assets/main-OLD.js", kBrowser).status, 404);
    const auto api = http.get("/api/ambient/v1/nothing-here", kBrowser);
    EXPECT_EQ(api.status, 404);
    EXPECT_EQ(api.json()["kind"], "Error");
    EXPECT_EQ(http.get("/api/nothing", kBrowser).status, 404);
    // The API is unchanged beside the console.
    EXPECT_EQ(http.get("/api/ambient/v1/projects").status, 401);
    EXPECT_EQ(server.client().get("/api/ambient/v1/projects").status, 200);
}

TEST_F(WebConsole, NothingOutsideTheFilesFoundAtStartupIsServed) {
    auto http = start({"--web-dir", web_dir_.string()}).client(false);
    for (const char* path :
         {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
          "/assets/..%2f..%2fsecret.txt", "/link.txt", "/%2fetc%2fpasswd", "/assets/%00.js"}) {
        const auto answer = http.get(path);
        EXPECT_NE(answer.status, 200) << path;
        EXPECT_EQ(answer.body.find(kSecret), std::string::npos) << path;
        EXPECT_EQ(answer.body.find("root:"), std::string::npos) << path;
    }
    // A file written after startup is not served either: the list is fixed at startup.
    write(web_dir_ / "assets" / "later.js", "late");
    EXPECT_EQ(http.get("/assets/later.js").status, 404);
}

TEST_F(WebConsole, NoWebServesTheApiOnly) {
    auto& server = start({"--no-web"});
    auto http = server.client(false);
    EXPECT_EQ(http.get("/", kBrowser).status, 404);
    EXPECT_EQ(http.get("/projects/demo", kBrowser).status, 404);
    EXPECT_EQ(server.client().get("/api/ambient/v1/projects").status, 200);
}

TEST_F(WebConsole, AWebDirWithoutAConsoleStopsStartup) {
    TempDir data;
    const auto result = run_process(binary_dir() / "ambient-api-server",
                                    {"serve", "--api-server-bindaddress", "127.0.0.1:0", "--data-dir",
                                     data.path().string(), "--web-dir", (root_.path() / "nothing-built").string()},
                                    {std::string("AMBIENT_API_TOKEN=") + kTestToken});
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.output.find("no index.html"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace ambient::testing
