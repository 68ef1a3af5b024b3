// Watch streams show a user only what their lists show: changes to objects their bindings
// cover, never another project's.
#include <gtest/gtest.h>

#include <fstream>

#include "common/jwt/jwt.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

const std::string kBase = "/api/ambient/v1";

class RbacWatch : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        jwks_ = dir_.path() / "jwks.json";
        std::ofstream(jwks_) << json{{"keys", {jwt::public_jwk(key_.get(), jwt::Algorithm::ES256, "k")}}}.dump();
        server_ = std::make_unique<ApiServer>(GetParam(), std::vector<std::string>{"--jwk-cert-file", jwks_.string()});
    }

    std::string token(const std::string& user) {
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        return jwt::sign(json{{"preferred_username", user}, {"iat", now}, {"exp", now + 3600}}, key_.get(),
                         jwt::Algorithm::ES256, "k");
    }
    HttpClient as(const std::string& user) {
        auto c = server_->client(false);
        c.set_bearer(token(user));
        return c;
    }
    SseReader watch(const std::string& user, const std::string& target) {
        return SseReader(server_->process().host(), server_->process().port(), kBase + target,
                         {{"Authorization", "Bearer " + token(user)}});
    }
    // The resource ids of the change events that arrive until `last` is seen.
    std::vector<std::string> ids_until(SseReader& sse, const std::string& last) {
        std::vector<std::string> ids;
        while (ids.empty() || ids.back() != last) {
            auto e = sse.next(std::chrono::seconds(10));
            if (!e) {
                ADD_FAILURE() << "no event for " << last << " within 10 s; saw " << ids.size();
                break;
            }
            if (!e->event.empty()) continue;
            ids.push_back(json::parse(e->data).at("resource_id"));
        }
        return ids;
    }

    TempDir dir_;
    std::filesystem::path jwks_;
    jwt::PkeyPtr key_ = jwt::generate_key(jwt::Algorithm::ES256);
    std::unique_ptr<ApiServer> server_;
};

TEST_P(RbacWatch, AUserWatchesOnlyWhatTheirBindingsCover) {
    auto service = server_->client();
    ASSERT_EQ(as("ann").post(kBase + "/projects", R"({"name":"mine"})").status, 201);
    ASSERT_EQ(service.post(kBase + "/projects", R"({"name":"theirs"})").status, 201);

    auto projects = watch("ann", "/projects?watch=true");
    auto sessions = watch("ann", "/sessions?watch=true");
    ASSERT_EQ(projects.status(), 200);
    ASSERT_EQ(sessions.status(), 200);

    ASSERT_EQ(service.patch(kBase + "/projects/theirs", R"({"description":"hidden"})").status, 200);
    auto hidden = service.post(kBase + "/sessions", R"({"name":"hidden","project_id":"theirs"})");
    ASSERT_EQ(hidden.status, 201);
    ASSERT_EQ(service.patch(kBase + "/projects/mine", R"({"description":"seen"})").status, 200);
    auto seen = service.post(kBase + "/sessions", R"({"name":"seen","project_id":"mine"})");
    ASSERT_EQ(seen.status, 201);

    // The first change each stream shows is the one in "mine": "theirs" never appears.
    EXPECT_EQ(ids_until(projects, "mine"), std::vector<std::string>{"mine"});
    EXPECT_EQ(ids_until(sessions, seen.json()["id"]), std::vector<std::string>{seen.json()["id"]});
}

INSTANTIATE_TEST_SUITE_P(Backends, RbacWatch, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
