#pragma once
// TLS towards upstreams (the stream client's https origins): what is trusted and what is
// checked. Internal to the HTTP layer, which alone includes Asio's ssl.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <filesystem>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "common/http/stream_client.hpp"

namespace ambient::http::detail {

using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

// A client context: the peer's certificate must verify, TLS 1.2 or later, no renegotiation.
// Trusts the system's store and, when `extra_ca_file` is set, the PEM certificates in it
// (std::invalid_argument naming the file when it cannot be read or holds none).
boost::asio::ssl::context make_client_tls_context(const std::filesystem::path& extra_ca_file);

// Before the handshake: SNI names `host` when it is a DNS name, and the certificate must be
// valid for `host` — its DNS name, or its IP address when `host` is an address literal.
void expect_peer(TlsStream& stream, const std::string& host);

// What a failed handshake with `where` ("host:port") is, from the error and the
// verification result OpenSSL kept.
UpstreamTlsError handshake_failure(TlsStream& stream, const boost::system::error_code& ec, const std::string& where);

}  // namespace ambient::http::detail
