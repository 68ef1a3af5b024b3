#pragma once
// A fault-injecting HTTP/1.1 forwarder for tests, put between a client under test (the
// control plane) and a real server (the API server) to make chosen requests fail while
// everything else — streams included — passes through untouched.
//
// Each client connection is forwarded to a fresh upstream connection. The request head is
// read and given to the rule, with the body when it has a Content-Length: the rule answers
// Forward (bytes pass both ways, streams stay open), Fail (the proxy answers the status
// itself) or Rewrite (the whole response is read and the rule's function may replace its
// body; it is asked for without compression). Every forwarded request is sent with `Connection: close`, so each
// connection carries one request and every request meets the rule; clients simply reconnect.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ambient::testing {

class FaultProxy {
public:
    struct Request {
        std::string method;
        std::string target;
        std::string body;  // empty for a body without Content-Length (it is forwarded as is)
    };
    struct Action {
        enum class Kind { Forward, Fail, Rewrite };
        Kind kind = Kind::Forward;
        int status = 500;  // Fail
        std::string body;  // Fail: the JSON body answered
        // Rewrite: the upstream status and body in, the body to send back out.
        std::function<std::string(int status, const std::string& body)> rewrite;

        static Action forward() { return {}; }
        static Action fail(int status, std::string body);
        static Action rewrite_with(std::function<std::string(int, const std::string&)> f);
    };
    using Rule = std::function<Action(const Request&)>;

    FaultProxy(std::string upstream_host, std::uint16_t upstream_port);
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    // Replaces the rule (every request is forwarded until one is set); thread-safe.
    void set_rule(Rule rule);
    std::uint16_t port() const;
    std::string base_url() const;
    // Requests answered by Fail or changed by Rewrite so far.
    std::size_t faults() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace ambient::testing
