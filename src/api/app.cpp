#include "api/app.hpp"

#include <utility>  // Boost 1.74's asio needs std::exchange first

#include <boost/asio/thread_pool.hpp>

#include "api/authz/request_authorizer.hpp"
#include "api/handler_support.hpp"
#include "api/request_shape.hpp"
#include "api/resources/metadata.hpp"
#include "api/resources/resources.hpp"
#include "api/streams/event_log.hpp"
#include "api/streams/message_feeds.hpp"
#include "api/streams/stream_faults.hpp"
#include "api/streams/stream_quota.hpp"
#include "api/web_console.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

http::Response unauthenticated(const http::Request& req, std::string_view reason) {
    auto r = http::Response::json(401, render_error_body(ErrorCode::Unauthenticated, reason, req.operation_id));
    r.set_header("WWW-Authenticate", "Bearer");
    return r;
}

void register_bench_ceiling(http::Router& router) {
    const std::string base = std::string(model::kApiBasePath) + "/bench/projects";
    router.add({"GET", base + "/{id}",
                [](http::Request& req) {
                    const auto now = now_rfc3339();
                    model::Row row = {{"id", req.param("id")},
                                      {"created_at", now},
                                      {"updated_at", now},
                                      {"name", req.param("id")},
                                      {"description", std::string("benchmark project")}};
                    return http::Response::json(200, model::render_text(project_schema(), row));
                },
                false, "Benchmark only: renders a project without storage"});
    router.add({"POST", base,
                [](http::Request& req) {
                    auto row = create_body(project_schema(), req);
                    const auto now = now_rfc3339();
                    row["id"] = model::text_of(row, "name");
                    row["created_at"] = now;
                    row["updated_at"] = now;
                    return http::Response::json(201, model::render_text(project_schema(), row));
                },
                false, "Benchmark only: validates and renders a project without storage"});
}

}  // namespace

App::App(store::Database& db, std::unique_ptr<Authenticator> auth, AppOptions options)
    : stream_pool_(std::make_unique<boost::asio::thread_pool>(options.stream_threads)),
      event_log_(std::make_unique<streams::EventLog>(db, *stream_pool_)),
      message_feeds_(std::make_unique<streams::MessageFeeds>(db, *stream_pool_)),
      stream_quota_(std::make_unique<streams::StreamQuota>(options.max_streams_per_principal)),
      stream_stats_(std::make_unique<streams::StreamStats>()),
      event_retention_(
          std::make_unique<EventRetention>(db, options.event_retention_count, options.event_retention_age)),
      audit_upkeep_(std::make_unique<AuditUpkeep>(db, denied_reads_, options.audit_retention)),
      ctx_{db,
           notifier_,
           *stream_pool_,
           options.data_dir,
           options.keyring != nullptr ? *options.keyring : no_keyring_,
           event_retention_.get()},
      auth_(auth ? std::move(auth) : std::make_unique<Authenticator>(ServiceTokens{}, nullptr, OidcOptions{})) {
    ctx_.access_cache = &access_cache_;
    ctx_.event_log = event_log_.get();
    ctx_.message_feeds = message_feeds_.get();
    ctx_.stream_quota = stream_quota_.get();
    ctx_.stream_stats = stream_stats_.get();
    ctx_.stream_ping_interval = options.stream_ping_interval;
    ctx_.runner_tokens = options.runner_tokens;
    ctx_.runner_client = options.runner_client;
    notifier_.listen(Channel::Events, [log = event_log_.get()](std::string_view) { log->on_notify(); });
    notifier_.listen(Channel::Messages,
                     [feeds = message_feeds_.get()](std::string_view session) { feeds->on_notify(session); });
    ctx_.denied_reads = &denied_reads_;
    register_metadata(router_, ctx_, metrics_, options.version);
    register_projects(router_, ctx_);
    register_project_settings(router_, ctx_);
    register_users(router_, ctx_);
    register_roles(router_, ctx_);
    register_role_bindings(router_, ctx_);
    register_credentials(router_, ctx_);
    register_sessions(router_, ctx_);
    register_session_messages(router_, ctx_);
    register_session_export(router_, ctx_);
    register_session_events(router_, ctx_);
    register_session_agui(router_, ctx_);
    register_runner_tokens(router_, ctx_, options.runner_tokens);
    register_agents(router_, ctx_);
    register_inbox(router_, ctx_);
    register_audit_events(router_, ctx_);
    if (options.bench_ceiling) register_bench_ceiling(router_);
    if (options.web_console != nullptr) register_web_console(router_, *options.web_console);
}

App::~App() {
    notifier_.clear_listeners();
    stream_pool_->stop();
    stream_pool_->join();
}

void App::wake_streams() {
    event_log_->wake_all();
    message_feeds_->wake_all();
}

std::optional<http::Response> App::authenticate(http::Request& req, const http::Route* route) {
    if (route == nullptr || route->is_public) return std::nullopt;
    Principal principal;
    try {
        principal = auth_->authenticate(req);
    } catch (const ApiError& e) {
        return unauthenticated(req, e.reason());
    }
    if (principal.kind == Principal::Kind::User) provision_user(principal);
    set_principal(req, std::move(principal));
    require_json_body(req);
    require_well_formed_ids(req);
    authz::authorize_request(ctx_, req, *route);
    return std::nullopt;
}

void App::provision_user(const Principal& principal) {
    {
        std::lock_guard lock(provisioned_mutex_);
        if (provisioned_.contains(principal.username)) return;
    }
    try {
        in_transaction(ctx_, store::TxMode::Write, user_schema(), [&](store::Connection& conn) {
            if (!conn.exec("SELECT 1 FROM users WHERE username = ? AND deleted_at IS NULL", {principal.username})
                     .rows.empty()) {
                return;
            }
            model::Row row = {{"username", principal.username}, {"name", principal.name}};
            if (!principal.email.empty()) row["email"] = principal.email;
            repo::insert(conn, user_schema(), std::move(row));
        });
    } catch (const ApiError& e) {
        // Another request provisioned the same user first (409), or the disk is full (507):
        // the request itself may still be served (reads are), and a later one provisions.
        if (e.status() == 507) return;
        if (e.status() != 409) throw;
    }
    std::lock_guard lock(provisioned_mutex_);
    provisioned_.insert(principal.username);
}

void App::record(const http::Request& req, int status, double seconds) {
    metrics_.record_request(req.method, req.route, status, seconds);
}

}  // namespace ambient::api
