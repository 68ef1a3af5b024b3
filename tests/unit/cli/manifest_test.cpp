// Manifests without a server: parsing upstream's flat documents, $VAR expansion of secrets,
// the checks that refuse a document (naming it and the field), ordering, and comparison.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <unistd.h>

#include "cli/errors.hpp"
#include "cli/manifest.hpp"

namespace ambient::cli::manifest {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

ParseOptions with_env(std::map<std::string, std::string> vars = {}) {
    return ParseOptions{.verb = "apply", .env = fake_env(std::move(vars))};
}

// The error line a manifest is refused with ("" when it is accepted).
std::string refusal(const std::string& yaml, const ParseOptions& options = with_env()) {
    try {
        auto docs = parse_manifest(yaml, "m.yaml", options);
        assign_projects(docs, {.flag = "", .effective = "current"}, "apply");
        check_unique(docs, "apply");
    } catch (const CliError& e) {
        EXPECT_EQ(e.exit_code(), kExitUsage) << e.what();
        return e.what();
    }
    return "";
}

TEST(ManifestEnv, ExpandsVariablesInBothSpellings) {
    const auto env = fake_env({{"A", "one"}, {"B_2", "two"}});
    EXPECT_EQ(expand_env("$A", env), "one");
    EXPECT_EQ(expand_env("x-${B_2}-y", env), "x-two-y");
    EXPECT_EQ(expand_env("$A$B_2", env), "onetwo");
    EXPECT_EQ(expand_env("plain", env), "plain");
}

TEST(ManifestEnv, DoubleDollarIsALiteralDollar) {
    const auto env = fake_env({{"A", "one"}});
    EXPECT_EQ(expand_env("pa$$word", env), "pa$word");
    EXPECT_EQ(expand_env("$$A", env), "$A");
    EXPECT_EQ(expand_env("$$$A", env), "$one");
}

TEST(ManifestEnv, UnsetAndMalformedReferencesAreErrors) {
    const auto env = fake_env({});
    struct Case {
        const char* text;
        const char* message;
    };
    for (const Case& c :
         {Case{"$MISSING", "environment variable MISSING is not set"},
          Case{"${MISSING}", "environment variable MISSING is not set"}, Case{"${OPEN", "\"${\" is not closed"},
          Case{"trailing$", "must start $VAR"}, Case{"$1x", "must start $VAR"}, Case{"${}", "must start $VAR"},
          Case{"${A B}", "must start $VAR"}}) {
        try {
            expand_env(c.text, env);
            ADD_FAILURE() << c.text << " was accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << c.text << ": " << e.what();
        }
    }
}

TEST(ManifestParse, ReadsUpstreamsFlatDocuments) {
    const auto docs = parse_manifest(R"(---
kind: Project
name: demo
description: A demo
labels: {team: a, tier: 1}
---
kind: agent
name: reviewer
prompt: Review PRs
inbox:
  - from_name: lead
    body: start with the open PRs
---
kind: Credential
name: gh
provider: github
token: ${GH_TOKEN}
)",
                                     "m.yaml", with_env({{"GH_TOKEN", "ghp_secret"}}));
    ASSERT_EQ(docs.size(), 3u);
    EXPECT_EQ(docs[0].kind, Kind::Project);
    EXPECT_EQ(docs[0].number, 1);
    EXPECT_EQ(docs[0].fields["labels"], (Json{{"team", "a"}, {"tier", "1"}}));
    EXPECT_EQ(docs[1].kind, Kind::Agent);
    ASSERT_EQ(docs[1].inbox.size(), 1u);
    EXPECT_EQ(docs[1].inbox[0].from_name, "lead");
    EXPECT_EQ(docs[2].token, "ghp_secret");
    EXPECT_EQ(docs[2].scope, "global");
    EXPECT_FALSE(docs[2].fields.contains("token")) << "the secret is kept apart from the compared fields";
}

TEST(ManifestParse, TakesOurServersFieldsWithTheirTypes) {
    const auto docs = parse_manifest(R"(kind: Agent
name: a
project: p
llm_model: claude-opus
llm_temperature: 0.2
llm_max_tokens: 8000
environment_variables: {LOG_LEVEL: debug}
resource_overrides: '{"cpu": "2"}'
---
kind: ProjectSettings
project: p
repositories: [{url: "https://github.com/o/r", branch: main}]
---
kind: Session
name: s
agent: a
timeout: 600
)",
                                     "m.yaml", with_env());
    ASSERT_EQ(docs.size(), 3u);
    EXPECT_EQ(docs[0].fields["llm_temperature"], 0.2);
    EXPECT_EQ(docs[0].fields["llm_max_tokens"], 8000);
    EXPECT_EQ(docs[0].fields["environment_variables"], (Json{{"LOG_LEVEL", "debug"}}));
    EXPECT_EQ(docs[0].fields["resource_overrides"], (Json{{"cpu", "2"}}));
    EXPECT_EQ(docs[1].fields["repositories"], Json::parse(R"([{"url":"https://github.com/o/r","branch":"main"}])"));
    EXPECT_EQ(docs[2].agent, "a");
    EXPECT_EQ(docs[2].fields["timeout"], 600);
}

TEST(ManifestParse, EmptyDocumentsAreSkippedButKeepTheirNumber) {
    const auto docs = parse_manifest("---\n---\nkind: Project\nname: p\n", "m.yaml", with_env());
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_EQ(docs[0].label(), "m.yaml document 2 (Project \"p\")");
}

TEST(ManifestParse, RefusalsNameTheDocumentAndTheField) {
    struct Case {
        std::string yaml;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"kind: Project\nname: p\n---\nkind: Credential\nname: gh\nprovider: github\ntoken: $GITHUB_TOKEN\n",
         "apply m.yaml document 2 (Credential \"gh\"): token: environment variable GITHUB_TOKEN is not set"},
        {"kind: Project\nname: a\n---\nkind: Project\nname: b\n---\nkind: Foo\nname: x\n",
         "apply m.yaml document 3: unknown kind \"Foo\""},
        {"name: x\n", "apply m.yaml document 1: kind: is required"},
        {"kind: Agent\nname: a\npromt: typo\ncolour: red\n",
         "apply m.yaml document 1 (Agent \"a\"): unknown fields \"promt\", \"colour\""},
        {"kind: Agent\nprompt: p\n", "apply m.yaml document 1 (Agent): name: is required"},
        {"kind: Credential\nname: gh\n", "(Credential \"gh\"): provider: is required"},
        {"kind: Credential\nname: gh\nprovider: github\ntoken: ''\n", "token: is empty"},
        {"kind: Credential\nname: gh\nprovider: github\ntoken: $EMPTY\n", "token: expands to an empty value"},
        {"kind: Agent\nname: a\nllm_max_tokens: lots\n", "llm_max_tokens: must be a whole number"},
        {"kind: Agent\nname: a\nllm_temperature: [1]\n", "llm_temperature: must be a number"},
        {"kind: Agent\nname: a\nlabels: [a, b]\n", "labels: must be a map of names to strings"},
        {"kind: Agent\nname: a\ndescription: {a: b}\n", "description: must be a string"},
        {"kind: Agent\nname: a\ninbox: [{from_name: x}]\n", "inbox[1].body: is required"},
        {"kind: RoleBinding\nscope: agent\nscope_id: a\nuser_id: u\n", "role: is required"},
        {"kind: RoleBinding\nrole: r\nscope: team\nuser_id: u\n", "scope: \"team\" is not one of"},
        {"kind: RoleBinding\nrole: r\nscope: agent\nuser_id: u\n", "scope_id: is required"},
        {"kind: RoleBinding\nrole: r\nscope: credential\nscope_id: gh\n", "user_id: is required"},
        {"kind: RoleBinding\nrole: r\nscope: global\nscope_id: x\nuser_id: u\n", "scope_id: a global binding"},
        {"kind: Credential\nname: gh\nprovider: github\nscope: global\nproject: p\n",
         "project: a global credential belongs to no project"},
        {"kind: Agent\nname: a\n---\nkind: agent\nname: a\n",
         "apply m.yaml document 2 (Agent \"a\"): describes the same object as m.yaml document 1 (Agent \"a\")"},
        {"kind: Project\nname: [oops\n", "apply m.yaml: not valid YAML: line "},
        {"- a\n- b\n", "apply m.yaml document 1: must be a map of fields"},
        // yaml-cpp 0.7 alone never returns from a stray ',' (found by the fuzzer).
        {"kind: Project\nname: p\n---\n, 2]\n", "apply m.yaml: not valid YAML: line 4, column 1"},
        {"kind: Project\nname: p\nlabels:\n  team\xdd: platform\n", "(Project \"p\"): labels: is not UTF-8 text"},
        {"kind: Credential\nname: gh\nprovider: github\ntoken: $BINARY\n", "token: is not UTF-8 text"},
    };
    for (const auto& c : cases) {
        const auto error = refusal(c.yaml, with_env({{"EMPTY", ""}, {"BINARY", "\xff\xfe"}}));
        EXPECT_NE(error.find(c.message), std::string::npos) << c.yaml << "\n→ " << error;
    }
}

TEST(ManifestParse, TheSecretNeverAppearsInARefusal) {
    const auto error = refusal("kind: Credential\nname: gh\nprovider: github\ntoken: s3cr3t-$\n");
    EXPECT_NE(error.find("token:"), std::string::npos) << error;
    EXPECT_EQ(error.find("s3cr3t"), std::string::npos) << error;
}

TEST(ManifestParse, WithoutAnEnvironmentSecretsAreNotRead) {
    const auto docs = parse_manifest("kind: Credential\nname: gh\nprovider: github\ntoken: $UNSET\n", "m.yaml",
                                     ParseOptions{.verb = "delete", .env = std::nullopt});
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_FALSE(docs[0].token.has_value());
}

TEST(ManifestProjects, FieldThenFlagThenTheManifestsProjectThenTheCurrentOne) {
    auto parse = [](const std::string& yaml, ProjectDefaults defaults) {
        auto docs = parse_manifest(yaml, "m.yaml", with_env());
        assign_projects(docs, defaults, "apply");
        return docs;
    };
    const std::string agents = "kind: Agent\nname: a\nproject: own\n---\nkind: Agent\nname: b\n";
    EXPECT_EQ(parse(agents, {.flag = "flag", .effective = "current"})[1].project, "flag");
    EXPECT_EQ(parse(agents, {.flag = "flag", .effective = "current"})[0].project, "own");
    EXPECT_EQ(parse(agents, {.flag = "", .effective = "current"})[1].project, "current");
    EXPECT_EQ(parse("kind: Project\nname: demo\n---\n" + agents, {.flag = "", .effective = "current"})[2].project,
              "demo");
    // A credential without a project is global (upstream's); scope: project puts it in one.
    const auto creds = parse(
        "kind: Credential\nname: g\nprovider: x\n---\nkind: Credential\nname: p\nprovider: "
        "x\nscope: project\n",
        {.flag = "", .effective = "current"});
    EXPECT_EQ(creds[0].project, "");
    EXPECT_EQ(creds[1].project, "current");
    try {
        parse("kind: Agent\nname: a\n", {});
        ADD_FAILURE() << "an agent with no project was accepted";
    } catch (const CliError& e) {
        EXPECT_NE(std::string(e.what()).find("(Agent \"a\"): project: no project"), std::string::npos) << e.what();
    }
}

TEST(ManifestOrder, DependenciesFirstAndDeleteBackwards) {
    auto docs = parse_manifest(R"(kind: Session
name: s
---
kind: RoleBinding
role: project:viewer
scope: project
user_id: u
---
kind: Credential
name: c
provider: github
---
kind: Agent
name: a2
---
kind: ProjectSettings
---
kind: Agent
name: a1
---
kind: Project
name: p
)",
                               "m.yaml", with_env());
    assign_projects(docs, {}, "apply");
    sort_for_apply(docs);
    std::vector<std::string> order;
    for (const auto& doc : docs)
        order.push_back(doc.display());
    EXPECT_EQ(order, (std::vector<std::string>{"project/p", "projectsettings/p", "agent/a2", "agent/a1", "credential/c",
                                               "rolebinding/u→p", "session/s"}));
    sort_for_delete(docs);
    EXPECT_EQ(docs.front().display(), "session/s");
    EXPECT_EQ(docs.back().display(), "project/p");
}

TEST(ManifestFiles, ADirectoryIsReadInNameOrderAndNotRecursively) {
    const auto dir = std::filesystem::temp_directory_path() / ("manifest_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir / "nested");
    std::ofstream(dir / "b.yml") << "kind: Project\nname: second\n";
    std::ofstream(dir / "a.yaml") << "kind: Project\nname: first\n";
    std::ofstream(dir / "notes.txt") << "kind: Project\nname: ignored\n";
    std::ofstream(dir / "kustomization.yaml") << "resources: []\n";
    std::ofstream(dir / "nested" / "c.yaml") << "kind: Project\nname: nested\n";
    std::istringstream stdin_text("kind: Project\nname: piped\n");
    const auto docs = read_manifests({dir.string(), "-"}, {}, with_env(), stdin_text);
    std::filesystem::remove_all(dir);
    ASSERT_EQ(docs.size(), 3u);
    EXPECT_EQ(docs[0].name, "first");
    EXPECT_EQ(docs[1].name, "second");
    EXPECT_EQ(docs[2].name, "piped");
    EXPECT_EQ(docs[2].source, "stdin");
}

TEST(ManifestCompare, OnlyDifferingFieldsAndJsonTextAsJson) {
    const Json desired = {{"description", "new"},
                          {"prompt", "same"},
                          {"labels", {{"b", "2"}, {"a", "1"}}},
                          {"annotations", Json::object()},
                          {"llm_max_tokens", 4000}};
    const Json existing = {
        {"description", "old"}, {"prompt", "same"}, {"labels", R"({"a":"1", "b":"2"})"}, {"llm_max_tokens", 4000.0}};
    EXPECT_EQ(changed_fields(desired, existing), (Json{{"description", "new"}}));
    EXPECT_EQ(changed_fields({{"description", ""}}, Json::object()), Json::object()) << "absent is empty";
    EXPECT_EQ(to_wire({{"labels", {{"a", "1"}}}, {"name", "x"}}), (Json{{"labels", R"({"a":"1"})"}, {"name", "x"}}));
}

TEST(ManifestFingerprint, MatchesItsOwnTokenOnlyAndNeverHoldsIt) {
    const auto fingerprint = token_fingerprint("ghp_token_one");
    EXPECT_EQ(fingerprint.find("ghp_token_one"), std::string::npos);
    EXPECT_TRUE(fingerprint_matches(fingerprint, "ghp_token_one"));
    EXPECT_FALSE(fingerprint_matches(fingerprint, "ghp_token_two"));
    EXPECT_NE(token_fingerprint("ghp_token_one"), fingerprint) << "salted: equal tokens do not look equal";
    EXPECT_FALSE(fingerprint_matches("", "x"));
    EXPECT_FALSE(fingerprint_matches("pbkdf2-sha256$999999999$00$00", "x")) << "absurd costs are refused";
}

}  // namespace
}  // namespace ambient::cli::manifest
