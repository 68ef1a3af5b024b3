// Session export: /api/ambient/v1/sessions/{id}/export — a session and its whole
// conversation as one JSON document, for keeping or moving elsewhere.
//
//   GET /sessions/{id}/export   {"kind":"SessionExport","session":{…},"messages":[…]}   session:read
//                               (and session_message:read on the session, checked here)
//
// A session may hold thousands of messages of up to 1 MiB each, so the document is never
// built whole: the session object is written first, then the messages a bounded page at a
// time, each page read off the I/O thread and sent as one chunk. It shows the session and
// the messages committed when the request arrived; later ones are left out, so a session
// that is running still exports as one consistent document.
#include <utility>  // Boost 1.74's asio needs std::exchange first

#include <boost/asio/thread_pool.hpp>

#include "api/auth/principal.hpp"
#include "api/authz/handler_permission.hpp"
#include "api/crud.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"
#include "api/session_message_store.hpp"
#include "common/http/blocking.hpp"

namespace ambient::api {
namespace {

// Per page: at most this many messages and, past the first, this many payload bytes.
constexpr std::int64_t kPageCount = 500;
constexpr std::int64_t kPageBytes = 1024 * 1024;

std::string dump(const model::Json& j) {
    return j.dump(-1, ' ', false, model::Json::error_handler_t::replace);
}

struct ExportStart {
    std::string opening;    // {"kind":"SessionExport","session":{…},"messages":[
    std::int64_t upto = 0;  // the session's last message when the request arrived
};

// The session, checked readable with its messages, and where its conversation ended.
ExportStart start_export(store::Connection& conn, const Principal& caller, const std::string& id) {
    const auto session = repo::find(conn, session_schema(), id);
    if (!session) throw not_found(session_schema(), id);
    // The route needs session:read; the messages are session_message:read's, which not
    // every reader of a session holds (a platform viewer, an agent's observer).
    authz::require_permission(
        conn, caller, "session_message:read",
        authz::Target::session(id, model::text_of(*session, "project_id"), model::text_of(*session, "agent_id")));
    const auto rs = conn.exec("SELECT MAX(seq) FROM session_messages WHERE session_id = ?", {id});
    const auto* last = rs.rows.empty() ? nullptr : std::get_if<std::int64_t>(&rs.rows[0][0]);
    return {
        R"({"kind":"SessionExport","session":)" + dump(model::render(session_schema(), *session)) + R"(,"messages":[)",
        last != nullptr ? *last : 0};
}

struct Page {
    std::string text;  // the page's messages, comma-separated
    std::int64_t last_seq = 0;
};

// The messages after `after` up to `upto`, a bounded page; `continues` when a page was
// written before, so that this one starts with the comma between them.
Page read_page(ApiContext& ctx, const std::string& id, std::int64_t after, std::int64_t upto, bool continues) {
    auto lease = ctx.db.acquire();
    auto page = messages_after(*lease, id, after, {.max_count = kPageCount, .max_bytes = kPageBytes, .upto = upto});
    Page out;
    for (const auto& m : page.messages) {
        if (continues || out.last_seq != 0) out.text += ',';
        out.text += dump(m.to_json());
        out.last_seq = m.seq;
    }
    return out;
}

boost::asio::awaitable<void> stream_export(ApiContext& ctx, std::string id, ExportStart start,
                                           http::StreamWriter& writer) {
    if (!co_await writer.write(std::move(start.opening))) co_return;
    // Seqs are global, so a session's first message may have any seq: 0 means none yet.
    std::int64_t cursor = 0;
    while (cursor < start.upto) {
        auto page = co_await http::run_blocking(ctx.stream_pool,
                                                [&] { return read_page(ctx, id, cursor, start.upto, cursor != 0); });
        if (page.text.empty()) break;
        if (!co_await writer.write(std::move(page.text))) co_return;
        cursor = page.last_seq;
    }
    co_await writer.write("]}");
}

http::Handler export_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        auto start = in_transaction(ctx, store::TxMode::Read, session_schema(),
                                    [&](store::Connection& conn) { return start_export(conn, principal_of(req), id); });
        http::Response response;
        response.status = 200;
        response.headers = {{"Content-Type", "application/json"}};
        response.stream = [&ctx, id, start = std::move(start)](http::StreamWriter& writer) {
            return stream_export(ctx, id, start, writer);
        };
        return response;
    };
}

}  // namespace

void register_session_export(http::Router& router, ApiContext& ctx) {
    const std::string path = std::string(model::kApiBasePath) + "/sessions/{id}/export";
    router.add({"GET", path, export_handler(ctx), false, "Export a session and all its messages as one JSON document",
                "session:read"});
}

}  // namespace ambient::api
