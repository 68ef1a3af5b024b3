#pragma once
// /healthz and /metrics on --metrics-bindaddress, served by the common HTTP server.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ambient::http {
class Server;
class Router;
}  // namespace ambient::http

namespace ambient::controlplane {

struct MetricsSources {
    std::function<bool()> healthy;        // /healthz: 200 when true, else 503
    std::function<std::string()> render;  // /metrics body
};

class MetricsServer {
public:
    MetricsServer(std::string host, std::uint16_t port, MetricsSources sources);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    void start();  // binds; throws std::runtime_error when it cannot
    std::uint16_t port() const;
    void stop();

private:
    std::unique_ptr<http::Router> router_;
    std::unique_ptr<http::Server> server_;
};

}  // namespace ambient::controlplane
