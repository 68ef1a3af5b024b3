// acpctl inbox … and audit.
#include "cli/cli_fixture.hpp"

namespace ambient::testing::cli {
namespace {

class InboxCli : public CliTest {
protected:
    void SetUp() override {
        CliTest::SetUp();
        made("/projects", {{"name", "alpha"}});
        made("/projects/alpha/agents", {{"name", "reviewer"}});
    }

    // Sends through the CLI; the message id from the success line.
    std::string send(const std::string& body, const std::string& from) {
        const auto r = acpctl(
            {"inbox", "send", "--project-id", "alpha", "--agent", "reviewer", "--body", body, "--from-name", from});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.out.rfind("inbox-message/", 0), 0u) << r.out;
        const auto end = r.out.find(" sent\n");
        EXPECT_NE(end, std::string::npos) << r.out;
        return r.out.substr(14, end - 14);
    }

    json messages() {
        const auto r = acpctl({"inbox", "list", "--project-id", "alpha", "--agent", "reviewer", "-o", "json"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return json::parse(r.out)["items"];
    }
};

TEST_F(InboxCli, SendThenListShowsTheMessageUnread) {
    const auto id = send("please review PR 7", "lead");
    const std::string long_body(60, 'x');
    send(long_body, "ops");

    const auto r = acpctl({"inbox", "list", "--agent", "reviewer"}, {"AMBIENT_PROJECT=alpha"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto header = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(header.find("ID"), 0u) << header;
    EXPECT_EQ(header.find("FROM"), 30u) << header;
    EXPECT_EQ(header.find("BODY"), 53u) << header;
    EXPECT_EQ(header.find("READ"), 106u) << header;
    EXPECT_EQ(header.find("AGE"), 115u) << header;
    EXPECT_NE(r.out.find(id + "   lead                   please review PR 7"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(std::string(45, 'x') + "...  "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(std::string(46, 'x')), std::string::npos) << r.out;

    const auto items = messages();
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0]["read"], false);
    EXPECT_EQ(items[0]["from_name"], "lead");
}

TEST_F(InboxCli, ReadMarksTheMessageRead) {
    const auto id = send("hello", "lead");
    const auto r = acpctl({"inbox", "read", id, "--project-id", "alpha", "--agent", "reviewer"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "inbox-message/" + id + " marked as read\n");
    EXPECT_EQ(messages()[0]["read"], true);

    // Upstream's spelling: mark-read --msg-id, --pa-id.
    const auto second = send("again", "lead");
    const auto upstream =
        acpctl({"inbox", "mark-read", "--msg-id", second, "--project-id", "alpha", "--pa-id", "reviewer"});
    EXPECT_EQ(upstream.exit_code, 0) << upstream.err;
    EXPECT_EQ(upstream.out, "inbox-message/" + second + " marked as read\n");
    for (const auto& message : messages())
        EXPECT_EQ(message["read"], true) << message.dump();
}

TEST_F(InboxCli, DeleteRemovesTheMessage) {
    const auto id = send("hello", "lead");
    const auto r = acpctl({"inbox", "delete", id, "--project-id", "alpha", "--agent", "reviewer"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "inbox-message/" + id + " deleted\n");
    EXPECT_TRUE(messages().empty());

    const auto again = acpctl({"inbox", "delete", id, "--project-id", "alpha", "--agent", "reviewer"});
    EXPECT_EQ(again.exit_code, 2);
}

TEST_F(InboxCli, TheAgentIsRequired) {
    const auto r = acpctl({"inbox", "send", "--project-id", "alpha", "--body", "x"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("--agent"), std::string::npos) << r.err;
}

TEST_F(CliTest, AuditAsAdminShowsTheTokenRead) {
    const auto created =
        acpctl({"credential", "create", "--name", "gh", "--provider", "github", "--token-file", "-", "-o", "json"}, {},
               "ghp_audited-secret\n");
    ASSERT_EQ(created.exit_code, 0) << created.err;
    const auto id = json::parse(created.out)["id"].get<std::string>();
    ASSERT_EQ(acpctl({"credential", "token", id}).exit_code, 0);

    const auto r = acpctl({"audit"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const char* header : {"TIME", "PRINCIPAL", "ACTION", "TARGET", "OUTCOME", "REASON"})
        EXPECT_NE(r.out.find(header), std::string::npos) << r.out;
    // Newest first: the read, then the create.
    const auto read = r.out.find("fetch_token");
    ASSERT_NE(read, std::string::npos) << r.out;
    EXPECT_LT(read, r.out.find("create")) << r.out;
    EXPECT_NE(r.out.find("credential/" + id), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("allowed"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("ghp_audited-secret"), std::string::npos) << r.out;

    const auto reads = acpctl({"audit", "--search", "action = 'fetch_token'", "-o", "json"});
    EXPECT_EQ(reads.exit_code, 0) << reads.err;
    const auto list = json::parse(reads.out);
    EXPECT_EQ(list["kind"], "AuditEventList");
    ASSERT_EQ(list["items"].size(), 1u) << list.dump();
    EXPECT_EQ(list["items"][0]["target_id"], id);
    EXPECT_EQ(list["items"][0]["outcome"], "allowed");

    const auto all = json::parse(acpctl({"audit", "--all-pages", "-o", "json"}).out);
    EXPECT_EQ(all["items"].size(), 2u) << all.dump();
}

TEST_F(CliTest, AuditAsAUserIsForbidden) {
    const auto r = acpctl({"audit"}, {"AMBIENT_TOKEN=" + user_token("bob")});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.err.rfind("Error: list audit events: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("(HTTP 403"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace ambient::testing::cli
