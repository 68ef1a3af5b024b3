// Public metadata and operations routes, served without authentication:
//
//   GET /api/ambient             the API's identity and version
//   GET /api/ambient/v1          the collections of version 1
//   GET /api/ambient/v1/openapi  our OpenAPI 3 document
//   GET /api/ambient/v1/version  the server's version and commit (upstream's HEAD route)
//   GET /healthcheck             200 when the database answers, else 503 with the reason
//   GET /metrics                 Prometheus text
#include "api/resources/metadata.hpp"

#include <mutex>

#include "api/audit/denied_read_limiter.hpp"
#include "api/handler_support.hpp"
#include "api/openapi.hpp"
#include "api/resources/resources.hpp"
#include "api/streams/stream_faults.hpp"
#include "common/process_memory.hpp"
#include "common/version.hpp"
#include "spdlog/spdlog.h"

namespace ambient::api {

void register_metadata(http::Router& router, ApiContext& ctx, Metrics& metrics, const std::string& version) {
    // These answers never change while the server runs: rendered once, at registration, and
    // served from the I/O thread (no storage, nothing that blocks).
    const auto constant = [](http::Response response) {
        return [response = std::move(response)](http::Request&) { return response; };
    };
    router.add(
        {"GET",
         "/api/ambient",
         constant(json_response(
             200, {{"id", "ambient-api-server"}, {"kind", "API"}, {"href", "/api/ambient"}, {"version", version}})),
         true,
         "The API's identity and version",
         {},
         http::Runs::OnIoThread});

    Json collections = Json::array();
    for (const auto* kind : all_schemas()) {
        collections.push_back({{"id", kind->path},
                               {"kind", kind->kind + "List"},
                               {"href", std::string(model::kApiBasePath) + "/" + kind->path}});
    }
    router.add(
        {"GET",
         model::kApiBasePath,
         constant(json_response(
             200, {{"id", "v1"}, {"kind", "APIVersion"}, {"href", model::kApiBasePath}, {"collections", collections}})),
         true,
         "The collections of API version 1",
         {},
         http::Runs::OnIoThread});

    // Upstream's `{version, build_time, git_tag}`, which `acpctl version` prints; we know the
    // commit, not a tag or a build time (which would make builds differ by the clock).
    router.add({"GET",
                std::string(model::kApiBasePath) + "/version",
                constant(json_response(200, {{"version", version}, {"git_commit", build_commit()}})),
                true,
                "The server's version",
                {},
                http::Runs::OnIoThread});

    // The document describes the router as it is once every route is registered; it is
    // rendered on first use, after startup has finished adding routes.
    router.add({"GET", std::string(model::kApiBasePath) + "/openapi",
                [&router, version, cached = std::make_shared<std::string>(),
                 once = std::make_shared<std::once_flag>()](http::Request&) {
                    std::call_once(*once, [&] { *cached = openapi_document(router, version).dump(); });
                    return http::Response::json(200, *cached);
                },
                true, "This OpenAPI document"});

    router.add(
        {"GET", "/healthcheck",
         [&ctx](http::Request&) {
             try {
                 ctx.db.ping();
             } catch (const std::exception& e) {
                 spdlog::warn("healthcheck: database unavailable: {}", e.what());
                 // The reason names the part at fault, never its address (this route
                 // needs no credentials).
                 return json_response(
                     503, {{"status", "unavailable"}, {"database", "unreachable"}, {"reason", "database unavailable"}});
             }
             return json_response(200, {{"status", "ok"}});
         },
         true, "Health: 200 when the database answers"});

    router.add({"GET", "/metrics",
                [&ctx, &metrics](http::Request&) {
                    const auto pool = ctx.db.pool_stats();
                    std::vector<Gauge> gauges = {
                        {"ambient_db_pool_size", "Connections the database pool may open", double(pool.size)},
                        {"ambient_db_pool_open", "Connections currently open", double(pool.open)},
                        {"ambient_db_pool_in_use", "Connections currently lent to requests", double(pool.in_use)},
                        {"ambient_db_pool_waits_total", "Acquisitions that had to wait", double(pool.waits)},
                        {"ambient_db_pool_timeouts_total", "Acquisitions that gave up", double(pool.timeouts)},
                    };
                    if (pool.library_memory >= 0) {
                        gauges.push_back({"ambient_db_library_memory_bytes",
                                          "Memory SQLite holds in this process: page caches, statements, schemas",
                                          double(pool.library_memory)});
                    }
                    const auto memory = process_memory();
                    if (memory.resident >= 0) {
                        gauges.push_back({"process_resident_memory_bytes", "Resident memory size in bytes",
                                          double(memory.resident)});
                    }
                    gauges.push_back({"ambient_heap_in_use_bytes", "Bytes malloc has handed out and not had back",
                                      double(memory.heap_in_use)});
                    gauges.push_back({"ambient_heap_retained_bytes",
                                      "Bytes malloc holds from the kernel, in use or free",
                                      double(memory.heap_retained)});
                    if (ctx.stream_stats != nullptr) {
                        const auto& streams = *ctx.stream_stats;
                        gauges.push_back({"ambient_streams_open",
                                          "Long-lived streams open (watch, session messages, events proxy)",
                                          double(streams.open())});
                        gauges.push_back({"ambient_streams_resumed_total",
                                          "Streams that carried on after a database fault interrupted their reads",
                                          double(streams.resumed()), "counter"});
                        gauges.push_back({"ambient_streams_ended_by_fault_total",
                                          "Streams ended with an ERROR frame by a database fault",
                                          double(streams.ended_by_fault()), "counter"});
                    }
                    if (ctx.denied_reads != nullptr) {
                        gauges.push_back({"ambient_audit_denied_reads_suppressed_total",
                                          "Denied token reads over the per-principal rate, counted in summary rows",
                                          double(ctx.denied_reads->suppressed_total())});
                    }
                    return http::Response::text(200, metrics.render_prometheus(gauges),
                                                "text/plain; version=0.0.4; charset=utf-8");
                },
                true, "Prometheus metrics"});
}

}  // namespace ambient::api
