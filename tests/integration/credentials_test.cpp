// Credentials on both databases: the CRUD conventions, the write-only token and its
// /token route, encryption at rest (what the database holds, tampering, rows swapped),
// the project routes, the log, and encrypt-credentials with a rotated key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "integration/api_fixture.hpp"
#include "support/pg_cluster.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

constexpr const char* kCollection = "/api/ambient/v1/credentials";
// Distinct, easy to find anywhere they must not be.
constexpr const char* kSecret = "ghp_Secret0fTheFirstCredential7x";
constexpr const char* kRotated = "ghp_RotatedSecretValue9q";
// Keys: the standard base64 of 32 bytes 0..31 and 32..63.
constexpr const char* kKey1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr const char* kKey2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

std::string item(const std::string& id) {
    return std::string(kCollection) + "/" + id;
}
std::string token_of(const std::string& id) {
    return item(id) + "/token";
}
std::string in_project(const std::string& project, const std::string& rest = "") {
    return "/api/ambient/v1/projects/" + project + "/credentials" + rest;
}

class Credentials : public ApiTest {
protected:
    // Replaces the default server by one started with `env`.
    void restart_with(std::vector<std::string> env) {
        http_.reset();
        server_ = std::make_unique<ApiServer>(GetParam(), std::vector<std::string>{}, std::move(env));
        http_.emplace(server_->client());
    }

    std::string create(const json& body) {
        auto r = http().post(kCollection, body.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json().value("id", "");
    }
    std::string create_named(const std::string& name, const std::string& token = kSecret) {
        return create({{"name", name}, {"provider", "github"}, {"token", token}});
    }
    std::string fetch_token(const std::string& id) {
        auto r = http().get(token_of(id));
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json().value("token", "<none>");
    }

    // What the database holds in the token column (nullopt for NULL).
    std::optional<std::string> stored_token(const std::string& id) {
        auto db = server_->open_database();
        auto lease = db->acquire();
        auto rs = lease->exec("SELECT token FROM credentials WHERE id = ?", {id});
        if (rs.rows.empty()) return std::nullopt;
        if (const auto* s = std::get_if<std::string>(&rs.rows[0][0])) return *s;
        return std::nullopt;
    }
    void store_token(const std::string& id, const std::string& value) {
        auto db = server_->open_database();
        auto lease = db->acquire();
        lease->exec("UPDATE credentials SET token = ? WHERE id = ?", {value, id});
    }

    // --data-dir and, on PostgreSQL, --db-url of the running server, for run_process.
    std::vector<std::string> database_args() {
        std::vector<std::string> args = {"--data-dir", server_->data_dir().string()};
        if (server_->backend() == Backend::Postgres) {
            auto db = server_->open_database();
            auto lease = db->acquire();
            const auto name = std::get<std::string>(lease->exec("SELECT current_database()").rows.at(0).at(0));
            auto url = PgCluster::shared().url();
            const auto query = url.find('?');
            const auto slash = url.rfind('/', query);
            url = url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
            args.insert(args.end(), {"--db-url", url});
        }
        return args;
    }
};

std::string keyring_env(const std::string& json) {
    return "CREDENTIAL_ENCRYPTION_KEYRING=" + json;
}

TEST_P(Credentials, RequestsWithoutAValidTokenAre401) {
    const std::string id = create_named("auth");
    ASSERT_EQ(http().post("/api/ambient/v1/projects", R"({"name":"authp"})").status, 201);
    auto anonymous = server_->client(false);
    for (const auto& [method, target] :
         std::vector<std::pair<std::string, std::string>>{{"GET", kCollection},
                                                          {"POST", kCollection},
                                                          {"GET", item(id)},
                                                          {"PATCH", item(id)},
                                                          {"DELETE", item(id)},
                                                          {"GET", token_of(id)},
                                                          {"GET", in_project("authp")},
                                                          {"POST", in_project("authp")},
                                                          {"GET", in_project("authp", "/" + id + "/token")}}) {
        auto r = anonymous.request(method, target, "{}");
        EXPECT_EQ(r.status, 401) << method << " " << target;
        EXPECT_EQ(r.json()["code"], "ambient-api-server-15");
        EXPECT_EQ(r.body.find(kSecret), std::string::npos);
    }
}

TEST_P(Credentials, UnknownIdIs404WithUpstreamsReason) {
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"GET", item("x")}, {"PATCH", item("x")}, {"DELETE", item("x")}, {"GET", token_of("x")}}) {
        auto r = http().request(method, target, "{}");
        EXPECT_EQ(r.status, 404) << method << " " << target;
        EXPECT_EQ(r.json()["code"], "ambient-api-server-7");
        EXPECT_EQ(r.json()["reason"], "Credential with id='x' not found");
    }
}

TEST_P(Credentials, CreateReturns201WithIdKindHrefAndNeverTheToken) {
    const json body = {{"name", "gh"},
                       {"provider", "github"},
                       {"token", kSecret},
                       {"description", "bot"},
                       {"url", "https://github.com"},
                       {"email", "bot@example.com"},
                       {"labels", R"({"a":"b"})"},
                       {"annotations", "{}"}};
    auto r = http().post(kCollection, body.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.body.find(kSecret), std::string::npos);
    const auto created = r.json();
    const std::string id = created["id"];
    EXPECT_EQ(id.size(), 27u);
    EXPECT_EQ(created["kind"], "Credential");
    EXPECT_EQ(created["href"], item(id));
    EXPECT_EQ(created["created_at"], created["updated_at"]);
    EXPECT_FALSE(created.contains("token"));
    EXPECT_FALSE(created.contains("project_id"));  // a global credential
    for (const char* key : {"name", "provider", "description", "url", "email", "labels", "annotations"}) {
        EXPECT_EQ(created[key], body[key]) << key;
    }
    auto got = http().get(item(id));
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.json(), created);
    // Provider is free text (upstream's enum is documentation only).
    EXPECT_FALSE(create({{"name", "x"}, {"provider", "test-provider"}}).empty());
}

TEST_P(Credentials, CreateBodiesAreStrict) {
    EXPECT_EQ(http().post(kCollection, "{ this is invalid }").status, 400);
    EXPECT_EQ(http().post(kCollection, "").status, 400);
    auto unknown = http().post(kCollection, R"({"name":"a","provider":"github","no_such_field":1})");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_NE(unknown.json()["reason"].get<std::string>().find("no_such_field"), std::string::npos);
    EXPECT_EQ(http().post(kCollection, R"({"provider":"github"})").status, 400);
    EXPECT_EQ(http().post(kCollection, R"({"name":"a"})").status, 400);
    EXPECT_EQ(http().post(kCollection, R"({"name":"a","provider":"github","id":"mine"})").json()["reason"],
              "id must be empty");
    EXPECT_EQ(http().post(kCollection, R"({"name":"a","provider":"github","token":5})").status, 400);
    EXPECT_EQ(http().post(kCollection, R"({"name":"a","provider":"github","project_id":"nowhere"})").status, 400);
    EXPECT_EQ(http().get(kCollection).json()["total"], 0);
}

TEST_P(Credentials, EmptyPatchIs200AndKeepsTheToken) {
    const std::string id = create_named("keep");
    auto r = http().patch(item(id), "{}");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["id"], id);
    EXPECT_EQ(http().patch(item(id), "{ nope").status, 400);
    EXPECT_EQ(http().patch(item(id), R"({"ignored_key":1})").status, 200);
    auto renamed = http().patch(item(id), R"({"name":"renamed","description":"d"})");
    EXPECT_EQ(renamed.json()["name"], "renamed");
    EXPECT_EQ(renamed.body.find(kSecret), std::string::npos);
    EXPECT_EQ(fetch_token(id), kSecret);
}

TEST_P(Credentials, TwentyObjectsPageAsUpstreamSays) {
    for (int i = 0; i < 20; ++i)
        create_named("c" + std::to_string(i), "tok" + std::to_string(i));
    auto all = http().get(kCollection);
    const auto body = all.json();
    EXPECT_EQ(body["kind"], "CredentialList");
    EXPECT_EQ(body["page"], 1);
    EXPECT_EQ(body["size"], 20);
    EXPECT_EQ(body["total"], 20);
    EXPECT_EQ(body["items"].size(), 20u);
    for (const auto& c : body["items"])
        EXPECT_FALSE(c.contains("token"));
    EXPECT_EQ(all.body.find("tok1"), std::string::npos);
    auto page2 = http().get(std::string(kCollection) + "?page=2&size=5").json();
    EXPECT_EQ(page2["items"].size(), 5u);
    EXPECT_EQ(page2["size"], 5);
    EXPECT_EQ(page2["total"], 20);
    EXPECT_EQ(page2["page"], 2);
}

TEST_P(Credentials, SearchFindsByIdAndProviderButNeverByToken) {
    std::string id;
    for (int i = 0; i < 3; ++i)
        id = create_named("s" + std::to_string(i));
    create({{"name", "lab"}, {"provider", "gitlab"}});
    auto r = http().get(std::string(kCollection) + "?search=" + url_encode("id in ('" + id + "')"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["total"], 1);
    EXPECT_EQ(r.json()["items"][0]["id"], id);
    EXPECT_EQ(http().get(std::string(kCollection) + "?search=" + url_encode("provider = 'gitlab'")).json()["total"], 1);
    // The token column is not there for clients: no guessing it by search, order or projection.
    EXPECT_EQ(http().get(std::string(kCollection) + "?search=" + url_encode("token like 'enc%'")).status, 400);
    EXPECT_EQ(http().get(std::string(kCollection) + "?orderBy=token").status, 400);
    EXPECT_EQ(http().get(std::string(kCollection) + "?fields=token").status, 400);
}

TEST_P(Credentials, DeleteIs204ThenTheCredentialAndItsSecretAreGone) {
    const std::string id = create_named("doomed");
    auto r = http().del(item(id));
    EXPECT_EQ(r.status, 204);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(http().get(item(id)).status, 404);
    EXPECT_EQ(http().get(token_of(id)).status, 404);
    EXPECT_EQ(http().del(item(id)).status, 404);
    EXPECT_EQ(stored_token(id), std::nullopt);
}

TEST_P(Credentials, TokenRouteReturnsCredentialIdProviderAndToken) {
    const std::string id = create_named("readme");
    auto r = http().get(token_of(id));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json(), (json{{"credential_id", id}, {"provider", "github"}, {"token", kSecret}}));
    EXPECT_EQ(r.header("Cache-Control"), "no-store");

    const std::string empty = create({{"name", "no-token"}, {"provider", "jira"}});
    EXPECT_EQ(http().get(token_of(empty)).json(),
              (json{{"credential_id", empty}, {"provider", "jira"}, {"token", ""}}));
}

TEST_P(Credentials, PatchRotatesTheTokenAndAnEmptyOneClearsIt) {
    const std::string id = create_named("rotate");
    const auto before = stored_token(id);
    auto r = http().patch(item(id), json{{"token", kRotated}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(r.json().contains("token"));
    EXPECT_EQ(r.body.find(kRotated), std::string::npos);
    EXPECT_EQ(fetch_token(id), kRotated);
    const auto after = stored_token(id);
    ASSERT_TRUE(after);
    EXPECT_NE(after, before);
    EXPECT_EQ(after->rfind("enc:v1:", 0), 0u);

    ASSERT_EQ(http().patch(item(id), R"({"token":""})").status, 200);
    EXPECT_EQ(fetch_token(id), "");
    EXPECT_EQ(stored_token(id), std::nullopt);
}

TEST_P(Credentials, TheDatabaseAndTheEventsHoldOnlyCiphertext) {
    const std::string id = create_named("at-rest");
    ASSERT_EQ(http().patch(item(id), json{{"token", kRotated}, {"description", "x"}}.dump()).status, 200);
    ASSERT_EQ(http().del(item(create_named("other"))).status, 204);

    auto db = server_->open_database();
    auto lease = db->acquire();
    const auto tokens = lease->exec("SELECT id, token FROM credentials");
    for (const auto& row : tokens.rows) {
        if (store::is_null(row[1])) continue;
        const auto& value = std::get<std::string>(row[1]);
        EXPECT_EQ(value.rfind("enc:v1:", 0), 0u) << value;
        EXPECT_EQ(value.find(kSecret), std::string::npos);
        EXPECT_EQ(value.find(kRotated), std::string::npos);
    }
    const auto events = lease->exec("SELECT event_type, object FROM events WHERE source = 'Credentials' ORDER BY id");
    ASSERT_EQ(events.rows.size(), 4u);  // create, update, create, delete (wiping the token is no event)
    for (const auto& row : events.rows) {
        if (store::is_null(row[1])) continue;
        const auto& object = std::get<std::string>(row[1]);
        EXPECT_FALSE(json::parse(object).contains("token")) << object;
        EXPECT_EQ(object.find(kSecret), std::string::npos);
        EXPECT_EQ(object.find(kRotated), std::string::npos);
        EXPECT_EQ(object.find("enc:v"), std::string::npos);
    }
}

TEST_P(Credentials, GeneratedKeyFileIsPrivateAndAnnounced) {
    create_named("keyfile");
    const auto path = server_->data_dir() / "credential-keyring.json";
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
    server_->process().stop();
    const auto log = server_->process().log();
    EXPECT_NE(log.find("generated a new encryption key in " + path.string()), std::string::npos) << log;
}

TEST_P(Credentials, AlteredStoredValuesAreA500NeverGarbage) {
    const std::string a = create_named("a");
    const std::string b = create_named("b", kRotated);
    const std::string c = create_named("c");
    const std::string d = create_named("d");
    const std::string e = create_named("e");

    auto sealed = *stored_token(a);
    const auto middle = sealed.size() / 2;
    sealed[middle] = sealed[middle] == 'A' ? 'B' : 'A';
    store_token(a, sealed);                                  // tampered
    store_token(c, *stored_token(b));                        // another row's value
    store_token(d, "enc:v7:" + stored_token(d)->substr(7));  // a key version nobody has
    store_token(e, "plaintext-left-by-upstream");            // not an envelope

    for (const auto& id : {a, c, d, e}) {
        auto r = http().get(token_of(id));
        EXPECT_EQ(r.status, 500) << r.body;
        const auto body = r.json();
        EXPECT_EQ(body["kind"], "Error");
        EXPECT_EQ(body["code"], "ambient-api-server-9");
        EXPECT_EQ(body["reason"], "The credential's token cannot be read");
        EXPECT_EQ(r.body.find("ghp_"), std::string::npos);
        EXPECT_EQ(r.body.find("plaintext-left"), std::string::npos);
        // The credential itself is still there.
        EXPECT_EQ(http().get(item(id)).status, 200);
    }
    EXPECT_EQ(fetch_token(b), kRotated);

    server_->process().stop();
    const auto log = server_->process().log();
    for (const auto& id : {a, c, d, e}) {
        EXPECT_NE(log.find("credential " + id + ": the stored token cannot be decrypted"), std::string::npos) << log;
    }
    EXPECT_NE(log.find("key version 7"), std::string::npos) << log;
    EXPECT_EQ(log.find(sealed), std::string::npos);
    EXPECT_EQ(log.find("plaintext-left-by-upstream"), std::string::npos);
}

TEST_P(Credentials, TheLogNeverHoldsATokenValue) {
    const std::string id = create_named("logged");
    http().patch(item(id), json{{"token", kRotated}}.dump());
    fetch_token(id);
    http().get(std::string(kCollection) + "?search=" + url_encode("name = 'logged'"));
    http().post(kCollection, json{{"name", "bad"}, {"provider", "github"}, {"token", kSecret}, {"oops", 1}}.dump());
    server_->process().stop();
    const auto log = server_->process().log();
    EXPECT_NE(log.find("credential"), std::string::npos);  // the log is being captured
    EXPECT_EQ(log.find(kSecret), std::string::npos) << log;
    EXPECT_EQ(log.find(kRotated), std::string::npos) << log;
    EXPECT_EQ(log.find("enc:v1:"), std::string::npos) << log;
}

TEST_P(Credentials, ProjectRoutesScopeToTheirProject) {
    for (const char* p : {"alpha", "beta"}) {
        ASSERT_EQ(http().post("/api/ambient/v1/projects", json{{"name", p}}.dump()).status, 201);
    }
    auto created =
        http().post(in_project("alpha"), json{{"name", "a-cred"}, {"provider", "github"}, {"token", kSecret}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.body.find(kSecret), std::string::npos);
    const std::string id = created.json()["id"];
    EXPECT_EQ(created.json()["project_id"], "alpha");
    EXPECT_EQ(created.json()["href"], item(id));
    // The URL decides the project.
    auto moved = http().post(in_project("beta"),
                             json{{"name", "b-cred"}, {"provider", "gitlab"}, {"project_id", "alpha"}}.dump());
    ASSERT_EQ(moved.status, 201);
    EXPECT_EQ(moved.json()["project_id"], "beta");
    const std::string global = create_named("global");

    auto alpha = http().get(in_project("alpha")).json();
    EXPECT_EQ(alpha["kind"], "CredentialList");
    EXPECT_EQ(alpha["total"], 1);
    EXPECT_EQ(alpha["items"][0]["id"], id);
    EXPECT_EQ(http().get(in_project("alpha") + "?search=" + url_encode("provider = 'gitlab'")).json()["total"], 0);
    EXPECT_EQ(http().get(kCollection).json()["total"], 3);

    EXPECT_EQ(http().get(in_project("alpha", "/" + id)).json()["name"], "a-cred");
    auto token = http().get(in_project("alpha", "/" + id + "/token"));
    ASSERT_EQ(token.status, 200);
    EXPECT_EQ(token.json()["token"], kSecret);
    auto patched =
        http().patch(in_project("alpha", "/" + id), json{{"token", kRotated}, {"project_id", "beta"}}.dump());
    ASSERT_EQ(patched.status, 200);
    EXPECT_EQ(patched.json()["project_id"], "alpha");  // not patchable
    EXPECT_EQ(fetch_token(id), kRotated);

    // Another project's credential, and the global ones, are not under this project.
    for (const auto& other :
         {in_project("beta", "/" + id), in_project("beta", "/" + id + "/token"), in_project("alpha", "/" + global)}) {
        auto r = http().get(other);
        EXPECT_EQ(r.status, 404) << other;
        EXPECT_EQ(r.json()["reason"].get<std::string>().rfind("Credential with id='", 0), 0u);
    }
    EXPECT_EQ(http().del(in_project("beta", "/" + id)).status, 404);
    EXPECT_EQ(http().patch(in_project("beta", "/" + id), "{}").status, 404);
    EXPECT_EQ(http().del(in_project("alpha", "/" + id)).status, 204);
    EXPECT_EQ(http().get(item(id)).status, 404);
}

TEST_P(Credentials, ProjectRoutesOfAnUnknownProjectAre404) {
    const std::string id = create_named("orphan-check");
    for (const auto& [method, target] :
         std::vector<std::pair<std::string, std::string>>{{"GET", in_project("nope")},
                                                          {"POST", in_project("nope")},
                                                          {"GET", in_project("nope", "/" + id)},
                                                          {"PATCH", in_project("nope", "/" + id)},
                                                          {"DELETE", in_project("nope", "/" + id)},
                                                          {"GET", in_project("nope", "/" + id + "/token")}}) {
        auto r = http().request(method, target, R"({"name":"x","provider":"github"})");
        EXPECT_EQ(r.status, 404) << method << " " << target;
        EXPECT_EQ(r.json()["reason"], "Project with id='nope' not found");
    }
    EXPECT_EQ(http().get(kCollection).json()["total"], 1);
}

TEST_P(Credentials, EncryptCredentialsReencryptsUnderTheNewActiveVersion) {
    const std::string both_keys = std::string(R"({"1":")") + kKey1 + R"(","2":")" + kKey2 + R"("})";
    restart_with({keyring_env(both_keys), "CREDENTIAL_ENCRYPTION_KEY_VERSION=1"});
    const std::string a = create_named("a");
    const std::string b = create_named("b", kRotated);
    const std::string legacy = create_named("legacy");
    create({{"name", "empty"}, {"provider", "github"}});
    store_token(legacy, "legacy-plaintext-token");  // as upstream stored it before encrypting
    const auto sealed_a = *stored_token(a);
    EXPECT_EQ(sealed_a.rfind("enc:v1:", 0), 0u);

    const auto bin = binary_dir() / "ambient-api-server";
    const std::vector<std::string> rotate = {keyring_env(both_keys), "CREDENTIAL_ENCRYPTION_KEY_VERSION=2"};
    auto args = database_args();
    args.insert(args.begin(), "encrypt-credentials");
    auto dry_args = args;
    dry_args.push_back("--dry-run");

    auto dry = run_process(bin, dry_args, rotate);
    EXPECT_EQ(dry.exit_code, 0) << dry.output;
    EXPECT_NE(dry.output.find("would encrypt 3 of 3 stored token(s) with key version 2 (2 from older versions, 1 from "
                              "plaintext); 0 already current"),
              std::string::npos)
        << dry.output;
    EXPECT_EQ(stored_token(a), sealed_a);
    EXPECT_EQ(stored_token(legacy), "legacy-plaintext-token");

    auto real = run_process(bin, args, rotate);
    EXPECT_EQ(real.exit_code, 0) << real.output;
    EXPECT_NE(real.output.find("encrypted 3 of 3 stored token(s) with key version 2"), std::string::npos)
        << real.output;
    EXPECT_EQ(real.output.find(kSecret), std::string::npos);
    EXPECT_EQ(real.output.find("legacy-plaintext-token"), std::string::npos);
    for (const auto& id : {a, b, legacy})
        EXPECT_EQ(stored_token(id)->rfind("enc:v2:", 0), 0u) << id;

    // The running server holds both versions and reads the re-encrypted values.
    EXPECT_EQ(fetch_token(a), kSecret);
    EXPECT_EQ(fetch_token(b), kRotated);
    EXPECT_EQ(fetch_token(legacy), "legacy-plaintext-token");

    auto again = run_process(bin, args, rotate);
    EXPECT_NE(again.output.find("encrypted 0 of 3 stored token(s) with key version 2 (0 from older versions, 0 from "
                                "plaintext); 3 already current"),
              std::string::npos)
        << again.output;

    // A server whose keyring lacks a version in use refuses to start.
    auto serve_args = database_args();
    serve_args.insert(serve_args.begin(), {"serve", "--api-server-bindaddress", "127.0.0.1:0"});
    auto refused = run_process(bin, serve_args, {keyring_env(std::string(R"({"1":")") + kKey1 + R"("})")});
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("key versions the keyring lacks: version 2 (3)"), std::string::npos)
        << refused.output;
}

TEST_P(Credentials, AKeyThatDoesNotOpenTheStoredTokensStopsStartup) {
    const std::string id = create_named("kept");
    const auto bin = binary_dir() / "ambient-api-server";
    auto args = database_args();
    args.insert(args.begin(), {"serve", "--api-server-bindaddress", "127.0.0.1:0"});

    // Another key under the same version number, as from a mistyped keyring...
    auto typo = run_process(bin, args, {keyring_env(std::string(R"({"1":")") + kKey1 + R"("})")});
    EXPECT_EQ(typo.exit_code, 1) << typo.output;
    EXPECT_NE(typo.output.find("the credential key for version 1 does not open the tokens stored with it"),
              std::string::npos)
        << typo.output;
    // ...or from a lost key file that the next start regenerates.
    std::filesystem::remove(server_->data_dir() / "credential-keyring.json");
    auto lost = run_process(bin, args);
    EXPECT_EQ(lost.exit_code, 1) << lost.output;
    EXPECT_NE(lost.output.find("does not open the tokens stored with it"), std::string::npos) << lost.output;
    // The running server still has the right key.
    EXPECT_EQ(fetch_token(id), kSecret);
}

TEST_P(Credentials, BadKeyringConfigurationStopsStartup) {
    const auto bin = binary_dir() / "ambient-api-server";
    auto args = database_args();
    args.insert(args.begin(), {"serve", "--api-server-bindaddress", "127.0.0.1:0"});
    struct Case {
        std::vector<std::string> env;
        std::string says;
    };
    const std::vector<Case> cases = {
        {{keyring_env("{not json")}, "not a JSON object"},
        {{keyring_env(R"({"1":"c2hvcnQ="})")}, "exactly 32 bytes"},
        {{keyring_env(std::string(R"({"1":")") + kKey1 + R"("})"), "CREDENTIAL_ENCRYPTION_KEY_VERSION=4"},
         "names no key"},
    };
    for (const auto& c : cases) {
        auto r = run_process(bin, args, c.env);
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_NE(r.output.find(c.says), std::string::npos) << r.output;
        EXPECT_EQ(r.output.find(kKey1), std::string::npos);
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, Credentials, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
