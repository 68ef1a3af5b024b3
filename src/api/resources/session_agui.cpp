// A session's runner spoken to in AG-UI, through the API server (upstream's HEAD names; the
// runner is reached as in runner_proxy.hpp, with a proxy token per request):
//
//   POST /sessions/{id}/agui/run        body: an AG-UI RunAgentInput. Its last role:user      session:update
//                                       message is appended to the session as a `user`
//                                       message, then the body goes to the runner's POST /
//                                       with that message's seq (X-Ambient-User-Message-Seq);
//                                       the answer is the runner's text/event-stream of the
//                                       run, relayed until its RUN_FINISHED or RUN_ERROR.
//                                       400 no user message; 404 unknown session; 502 as
//                                       /events (no runner is decided before the message is
//                                       written; an unreachable runner after: the message
//                                       stays, and the runner takes it from the session)
//   POST /sessions/{id}/agui/interrupt  forwarded to the runner's POST /interrupt;            session:update
//                                       200 {"message":"Interrupt signal sent"}
#include <nlohmann/json.hpp>

#include "api/auth/principal.hpp"
#include "api/crud.hpp"
#include "api/handler_support.hpp"
#include "api/notify/notifier.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"
#include "api/runner_proxy.hpp"
#include "api/session_message_store.hpp"

namespace ambient::api {
namespace {

using nlohmann::json;

// As POST /sessions/{id}/messages.
constexpr std::size_t kMaxMessageBytes = 1024 * 1024;

// The text of the last message with role "user": its content when a string, else the text
// parts of a content array ([{type:"text",text}…]) joined. nullopt when there is none.
std::optional<std::string> last_user_text(const json& input) {
    auto messages = input.find("messages");
    if (messages == input.end() || !messages->is_array()) return std::nullopt;
    for (auto it = messages->rbegin(); it != messages->rend(); ++it) {
        if (!it->is_object() || it->value("role", json()) != "user") continue;
        const auto content = it->value("content", json());
        if (content.is_string()) return content.get<std::string>();
        if (!content.is_array()) return std::nullopt;
        std::string text;
        for (const auto& part : content) {
            if (part.is_object() && part.value("type", json()) == "text" && part.value("text", json()).is_string()) {
                if (!text.empty()) text += '\n';
                text += part["text"].get<std::string>();
            }
        }
        return text;
    }
    return std::nullopt;
}

model::Row find_session(ApiContext& ctx, const std::string& id) {
    auto session = in_transaction(ctx, store::TxMode::Read, session_schema(),
                                  [&](store::Connection& conn) { return repo::find(conn, session_schema(), id); });
    if (!session) throw not_found(session_schema(), id);
    return std::move(*session);
}

http::Handler run_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        const auto input = json::parse(req.body, nullptr, false);
        if (input.is_discarded() || !input.is_object()) {
            throw ApiError::malformed("Invalid request format: body must be an AG-UI RunAgentInput object");
        }
        const auto text = last_user_text(input);
        if (!text || text->empty()) throw ApiError::validation("RunAgentInput has no message with role 'user'");
        if (text->size() > kMaxMessageBytes) {
            throw ApiError(413, ErrorCode::BadRequest, "user message larger than 1 MiB");
        }
        const auto session = find_session(ctx, id);
        const auto origin = runner_origin(session);
        auto ticket = streams::admit_stream(ctx.stream_quota, principal_of(req));

        // The record is whole whatever becomes of the run: the message is the session's first.
        const auto message = in_transaction(ctx, store::TxMode::Write, session_schema(), [&](store::Connection& conn) {
            if (!repo::find(conn, session_schema(), id)) throw not_found(session_schema(), id);
            return append_message(conn, id, "user", *text);
        });
        ctx.notifier.notify(Channel::Messages, id);

        RunnerRequest request;
        request.method = "POST";
        request.target = "/";
        request.headers = {{"Accept", "text/event-stream"},
                           {"Content-Type", "application/json"},
                           {"X-Ambient-User-Message-Seq", std::to_string(message.seq)}};
        request.body = req.body;
        auto upstream = open_runner(ctx, origin, session, std::move(request));
        return relay_response(ctx, req, id, "session:update", std::move(upstream), std::move(ticket));
    };
}

http::Handler interrupt_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        const auto session = find_session(ctx, id);
        RunnerRequest request;
        request.method = "POST";
        request.target = "/interrupt";
        request.headers = {{"Content-Type", "application/json"}};
        request.body = json{{"thread_id", id}}.dump();
        // Its short answer is not needed: a 2xx is the runner's yes.
        open_runner(ctx, runner_origin(session), session, std::move(request))->close();
        return json_response(200, json{{"message", "Interrupt signal sent"}});
    };
}

}  // namespace

void register_session_agui(http::Router& router, ApiContext& ctx) {
    const std::string base = std::string(model::kApiBasePath) + "/sessions/{id}/agui";
    router.add({"POST", base + "/run", run_handler(ctx), false,
                "Run a turn: append the RunAgentInput's last user message and stream the run's AG-UI events",
                "session:update"});
    router.add({"POST", base + "/interrupt", interrupt_handler(ctx), false,
                "Interrupt the session's current turn on its runner", "session:update"});
}

}  // namespace ambient::api
