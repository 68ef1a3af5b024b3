// Inbox: messages waiting for an agent, shown in (and marked read by) its next start.
//
//   GET    /projects/{id}/agents/{agent_id}/inbox            list    (the agent's only; unread first by default)
//   POST   /projects/{id}/agents/{agent_id}/inbox            create  (agent_id from the URL)
//   GET    /projects/{id}/agents/{agent_id}/inbox/{msg_id}   get
//   PATCH  /projects/{id}/agents/{agent_id}/inbox/{msg_id}   patch   (only `read`; an empty body marks read)
//   DELETE /projects/{id}/agents/{agent_id}/inbox/{msg_id}   delete
//
// 404 unless the project exists, holds the agent, and the agent holds the message.
#include "api/handler_support.hpp"
#include "api/resources/agents.hpp"
#include "api/resources/resources.hpp"

namespace ambient::api {
namespace {

using model::FieldType;
using store::TxMode;

// Unread (read = false) before read, then oldest first: what an agent should see first.
constexpr const char* kDefaultOrder = "read asc, created_at asc";

struct MessageAddress {
    std::string project;
    std::string agent;
    std::string message;
};

MessageAddress address_of(const http::Request& req) {
    return {req.param("id"), req.param("agent_id"), req.param("msg_id")};
}

model::Row require_message(store::Connection& conn, const MessageAddress& address) {
    require_agent_in_project(conn, address.project, address.agent);
    auto row = repo::find(conn, inbox_message_schema(), address.message);
    if (!row || model::text_of(*row, "agent_id") != address.agent) {
        throw not_found(inbox_message_schema(), address.message);
    }
    return *row;
}

http::Handler create_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto address = address_of(req);
        auto row = create_body(inbox_message_schema(), req);
        if (model::text_of(row, "body").empty()) throw ApiError::validation("body must not be empty");
        row["agent_id"] = address.agent;
        if (auto it = row.find("read"); it == row.end() || store::is_null(it->second)) row["read"] = false;
        const auto stored = in_transaction(ctx, TxMode::Write, inbox_message_schema(), [&](store::Connection& conn) {
            require_agent_in_project(conn, address.project, address.agent);
            return repo::insert(conn, inbox_message_schema(), std::move(row));
        });
        return json_response(201, model::render(inbox_message_schema(), stored));
    };
}

http::Handler get_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto address = address_of(req);
        const auto row = in_transaction(ctx, TxMode::Read, inbox_message_schema(),
                                        [&](store::Connection& conn) { return require_message(conn, address); });
        return json_response(200, model::render(inbox_message_schema(), row));
    };
}

http::Handler patch_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto address = address_of(req);
        // Upstream's TypeScript SDK marks a message read with a PATCH that has no body.
        const bool no_body = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
        const auto changes = no_body ? model::Row{{"read", true}} : patch_body(inbox_message_schema(), req);
        const auto row = in_transaction(ctx, TxMode::Write, inbox_message_schema(), [&](store::Connection& conn) {
            require_message(conn, address);
            auto updated = repo::update(conn, inbox_message_schema(), address.message, changes);
            if (!updated) throw not_found(inbox_message_schema(), address.message);
            return *updated;
        });
        return json_response(200, model::render(inbox_message_schema(), row));
    };
}

http::Handler delete_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto address = address_of(req);
        in_transaction(ctx, TxMode::Write, inbox_message_schema(), [&](store::Connection& conn) {
            require_message(conn, address);
            repo::remove(conn, inbox_message_schema(), address.message);
        });
        return no_content();
    };
}

}  // namespace

const model::KindSchema& inbox_message_schema() {
    static const model::KindSchema schema{
        "InboxMessage",
        "inbox_messages",
        "inbox_messages",
        "InboxMessages",
        {
            {.name = "agent_id", .patchable = false, .description = "The recipient; always the agent in the URL"},
            {.name = "from_agent_id",
             .patchable = false,
             .description = "The sending agent; absent when a human sent it"},
            {.name = "from_name", .patchable = false, .description = "The sender's display name"},
            {.name = "body", .required = true, .patchable = false},
            {.name = "read", .type = FieldType::Boolean, .description = "false (the default) until read"},
        },
    };
    return schema;
}

void register_inbox(http::Router& router, ApiContext& ctx) {
    const std::string base = std::string(model::kApiBasePath) + "/projects/{id}/agents/{agent_id}/inbox";
    router.add({"GET", base, agent_scoped_list(ctx, inbox_message_schema(), "agent_id", kDefaultOrder), false,
                "List an agent's inbox, unread first", "agent:read"});
    router.add({"POST", base, create_handler(ctx), false, "Send a message to an agent's inbox", "agent:update"});
    router.add({"GET", base + "/{msg_id}", get_handler(ctx), false, "Get an inbox message", "agent:read"});
    router.add({"PATCH", base + "/{msg_id}", patch_handler(ctx), false, "Mark an inbox message read or unread",
                "agent:update"});
    router.add({"DELETE", base + "/{msg_id}", delete_handler(ctx), false, "Delete an inbox message", "agent:update"});
}

}  // namespace ambient::api
