#include "common/http/upstream_tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include <boost/asio/ip/address.hpp>

namespace ambient::http::detail {

namespace ssl = boost::asio::ssl;

ssl::context make_client_tls_context(const std::filesystem::path& extra_ca_file) {
    ssl::context context(ssl::context::tls_client);
    boost::system::error_code ec;
    context.set_default_verify_paths(ec);  // a host without a system store still has extra_ca_file
    if (!extra_ca_file.empty()) {
        if (!std::filesystem::is_regular_file(extra_ca_file)) {
            throw std::invalid_argument(extra_ca_file.string() + " is not a file");
        }
        context.load_verify_file(extra_ca_file.string(), ec);
        if (ec) {
            throw std::invalid_argument(extra_ca_file.string() + " holds no usable PEM certificate: " + ec.message());
        }
    }
    context.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    // A renegotiation would make a read write; reads are cancelled between wait slices, and a
    // write cut short would break the session (see UpstreamResponse::read).
    SSL_CTX_set_options(context.native_handle(), SSL_OP_NO_RENEGOTIATION);
    return context;
}

void expect_peer(TlsStream& stream, const std::string& host) {
    SSL* ssl = stream.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    // Checked by OpenSSL's own chain verification rather than a verify callback
    // (asio's host_name_verification): a mismatch then says "hostname mismatch" in the
    // verification result instead of an unspecified failure.
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (!ec) {
        // An address is matched against the certificate's IP address entries; SNI never
        // carries one (RFC 6066).
        if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
            throw StreamClientError("cannot ask TLS to check address " + host);
        }
        return;
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, host.c_str()) != 1 || SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
        throw StreamClientError("cannot ask TLS to check host " + host);
    }
}

UpstreamTlsError handshake_failure(TlsStream& stream, const boost::system::error_code& ec, const std::string& where) {
    const long verification = SSL_get_verify_result(stream.native_handle());
    if (verification != X509_V_OK) {
        return UpstreamTlsError(
            "certificate of " + where + " not accepted: " + X509_verify_cert_error_string(verification), true);
    }
    return UpstreamTlsError("TLS handshake with " + where + " failed: " + ec.message(), false);
}

}  // namespace ambient::http::detail
