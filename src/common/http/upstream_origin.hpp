#pragma once
// Where the server may open a connection on someone else's say-so (a session's runner, whose
// URL is stored with the session): an origin — scheme, host and port and nothing else, so
// that no stored text chooses the path or query of the request — and the addresses that are
// never reached, whatever a name resolves to. Loopback is allowed: the local runtime's
// runners listen on 127.0.0.1.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace ambient::http {

struct UpstreamOrigin {
    enum class Scheme { Http, Https };
    std::string host;  // a DNS name or an address literal (IPv6 without the brackets)
    std::uint16_t port = 0;
    Scheme scheme = Scheme::Http;
};

// Why a URL is not a usable origin; what() is meant for the client (names no secret).
class OriginError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Parses "http://HOST:PORT" or "https://HOST:PORT", with at most a trailing "/": a DNS name,
// an IPv4 address or a bracketed IPv6 address, and an explicit port 1-65535. Refuses
// userinfo, a path, a query, a fragment, another scheme, and an address literal (in any form
// the system resolver would accept) that is_forbidden_upstream refuses. Throws OriginError.
UpstreamOrigin parse_upstream_origin(std::string_view url);

// Link-local addresses (169.254.0.0/16, fe80::/10), where cloud metadata services answer,
// and the metadata address fd00:ec2::254 — also when written as an IPv4-mapped,
// IPv4-compatible or NAT64 (64:ff9b::/96) IPv6 address.
bool is_forbidden_upstream(const boost::asio::ip::address& address);

// "HOST:PORT" as a Host header says it ("[::1]:8001" for IPv6).
std::string host_header(const UpstreamOrigin& origin);

}  // namespace ambient::http
