// Issue 9, item 2: runner tokens revived by a status write. Stop a session (its runner token
// is refused), then PATCH /status {"phase":"Running"}: the same token worked again and read
// granted credentials. Any move out of a live phase now retires the run; only /start begins
// a new one.
#include "security/bindings.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

class RunnerRevival : public SecurityTest {
protected:
    void SetUp() override {
        SecurityTest::SetUp();
        ASSERT_EQ(admin().post(api_path("/projects"), R"({"name":"proj"})").status, 201);
        const auto credential = made("/credentials", {{"name", "gh"}, {"provider", "github"}, {"token", "ghp_secret"}});
        credential_ = credential.value("id", "");
        bind_role(admin(), "", "credential:token-reader", "credential",
                  {{"credential_id", credential_}, {"project_id", "proj"}});
        id_ = made("/sessions", {{"name", "s"}, {"project_id", "proj"}}).value("id", "");
        ASSERT_EQ(admin().post(session("/start"), "").status, 200);
        set_phase("Running");
    }
    std::string session(const std::string& rest = {}) const { return api_path("/sessions/" + id_ + rest); }
    void set_phase(const std::string& phase) {
        auto r = admin().patch(session("/status"), json{{"phase", phase}}.dump());
        ASSERT_EQ(r.status, 200) << r.body;
    }
    std::string runner_token() {
        auto r = admin().post(session("/runner_token"), "");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json().value("token", "");
    }
    HttpClient runner(const std::string& token) {
        auto c = server().client(false);
        c.set_bearer(token);
        return c;
    }
    int read_credential(const std::string& token) {
        return runner(token).get(api_path("/credentials/" + credential_ + "/token")).status;
    }
    std::string id_;
    std::string credential_;
};

// The attack as written, for each way a run can end.
TEST_P(RunnerRevival, AStatusWriteNeverRevivesAnEndedRunsToken) {
    struct Ending {
        const char* name;
        std::vector<std::string> phases;  // status writes after the end
        bool stop = false;
    };
    const std::vector<Ending> endings = {
        {"stop", {"Running"}, true},
        {"stop then Stopped", {"Stopped", "Running"}, true},
        {"status Completed", {"Completed", "Running"}},
        {"status Failed", {"Failed", "Pending"}},
        {"status Stopping", {"Stopping", "Creating"}},
    };
    for (const auto& ending : endings) {
        SCOPED_TRACE(ending.name);
        const auto token = runner_token();
        ASSERT_EQ(read_credential(token), 200);
        if (ending.stop) {
            ASSERT_EQ(admin().post(session("/stop"), "").status, 200);
        }
        for (const auto& phase : ending.phases)
            set_phase(phase);
        EXPECT_EQ(read_credential(token), 401);
        EXPECT_EQ(runner(token).get(session()).status, 401);
        // Live again by status alone, but with no run: no token for it either.
        EXPECT_EQ(admin().post(session("/runner_token"), "").status, 409);
        // Only /start begins a run (from a phase it starts from).
        set_phase("Stopped");
        ASSERT_EQ(admin().post(session("/start"), "").status, 200);
        EXPECT_EQ(read_credential(token), 401);
        set_phase("Running");
    }
    EXPECT_EQ(read_credential(runner_token()), 200);
}

TEST_P(RunnerRevival, DeleteRetiresTheRun) {
    const auto token = runner_token();
    ASSERT_EQ(read_credential(token), 200);
    ASSERT_EQ(admin().del(session()).status, 204);
    EXPECT_EQ(read_credential(token), 401);
    const auto rs = run_sql(server(), "SELECT run_id FROM sessions WHERE id = ?", {id_});
    ASSERT_EQ(rs.rows.size(), 1u);
    EXPECT_TRUE(store::is_null(rs.rows[0][0]));
}

INSTANTIATE_TEST_SUITE_P(Backends, RunnerRevival, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
