// Issue 11: "Credentials reach the runner". A github credential granted to an agent reaches
// the command agent of that agent's session as $GITHUB_TOKEN, and from there the fake GitHub
// API — and nothing else: not an event, not a message, not a line of any process's log.
#include <random>

#include "e2e/e2e_fixture.hpp"
#include "support/fake_github.hpp"

namespace ambient::testing::e2e {
namespace {

TEST_F(E2eTest, GithubCredentialReachesTheAgentAndIsLeakedNowhere) {
    FakeGitHub github;
    start();
    create_project("creds");
    const auto agent = create_agent("creds", "coder");
    const auto secret = random_github_token();
    const auto credential = create_credential("creds", "github", secret);
    grant_to_agent(credential, "creds", agent);

    // The agent prints only the status it got, never the token.
    const auto id = create_session("creds",
                                   "curl -s -o /dev/null -w 'github said %{http_code}\\n' -H \"Authorization: token "
                                   "$GITHUB_TOKEN\" " +
                                       github.base_url() + "/user",
                                   agent);
    start_session(id);
    wait_for_phase(id, "Running");

    auto events = open_events(id);
    ASSERT_EQ(events->status(), 200) << events->response().body;
    const auto answer = ask(id, "who am I on github?");
    EXPECT_NE(answer.find("github said 200"), std::string::npos) << answer;
    const auto seen = read_events(*events, [](const AguiEvent& e) { return e.type == "RUN_FINISHED"; });

    const auto requests = github.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].target, "/user");
    EXPECT_EQ(github_token_of(requests[0].authorization), secret) << "the fake got another token";
    EXPECT_NE(runner_log(id).find("Successfully fetched github credentials"), std::string::npos) << runner_log(id);

    // Stopped, so that every process has logged what it would about this run.
    ASSERT_EQ(api().post("/api/ambient/v1/sessions/" + id + "/stop", "").status, 200);
    wait_for_phase(id, "Stopped");

    Haystack everything;
    everything.add("API server log", api_server().process().log());
    everything.add("control plane log", control_plane_logs());
    everything.add("runner.log", runner_log(id));
    for (const auto& m : messages(id))
        everything.add("message " + std::to_string(m.seq) + " (" + m.event_type + ")", m.payload);
    for (const auto& e : seen)
        everything.add("event " + e.id + " (" + e.type + ")", e.raw);
    for (const auto& form : {secret, base64(secret), base64("x-access-token:" + secret)}) {
        const auto found = everything.find(form);
        EXPECT_TRUE(found.empty()) << "the credential (as " << form << ") is in: " << ::testing::PrintToString(found);
    }
}

}  // namespace
}  // namespace ambient::testing::e2e
