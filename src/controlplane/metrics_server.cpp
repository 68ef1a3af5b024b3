#include "controlplane/metrics_server.hpp"

#include <utility>

#include "common/http/router.hpp"
#include "common/http/server.hpp"

namespace ambient::controlplane {

MetricsServer::MetricsServer(std::string host, std::uint16_t port, MetricsSources sources)
    : router_(std::make_unique<http::Router>()) {
    router_->add({.method = "GET",
                  .pattern = "/healthz",
                  .handler =
                      [healthy = sources.healthy](http::Request&) {
                          return healthy() ? http::Response::text(200, "ok\n")
                                           : http::Response::text(503, "waiting for the first list of sessions\n");
                      },
                  .is_public = true});
    router_->add({.method = "GET",
                  .pattern = "/metrics",
                  .handler =
                      [render = sources.render](http::Request&) {
                          return http::Response::text(200, render(), "text/plain; version=0.0.4; charset=utf-8");
                      },
                  .is_public = true});
    http::ServerOptions options;
    options.host = std::move(host);
    options.port = port;
    options.worker_threads = 1;
    options.max_connections = 64;
    options.shutdown_grace = std::chrono::seconds(1);
    server_ = std::make_unique<http::Server>(options, *router_);
}

MetricsServer::~MetricsServer() {
    stop();
}

void MetricsServer::start() {
    server_->start();
}

std::uint16_t MetricsServer::port() const {
    return server_->port();
}

void MetricsServer::stop() {
    if (server_) server_->stop();
}

}  // namespace ambient::controlplane
