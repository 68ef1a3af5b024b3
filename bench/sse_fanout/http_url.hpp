#pragma once
// "http://HOST:PORT/PATH?QUERY" split into what a socket and a request line need.
#include <optional>
#include <string>
#include <string_view>

namespace bench {

struct HttpUrl {
    std::string host;
    std::string port;
    std::string target;  // path and query, "/" when absent

    // "HOST:PORT", the Host header's value.
    std::string authority() const { return host + ":" + port; }
};

// Only plain http with an explicit or default (80) port; nullopt for anything else.
inline std::optional<HttpUrl> parse_http_url(const std::string& url) {
    constexpr std::string_view kScheme = "http://";
    if (url.compare(0, kScheme.size(), kScheme) != 0) return std::nullopt;
    const auto slash = url.find('/', kScheme.size());
    const auto authority =
        url.substr(kScheme.size(), slash == std::string::npos ? std::string::npos : slash - kScheme.size());
    HttpUrl out;
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    out.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
    out.target = slash == std::string::npos ? "/" : url.substr(slash);
    if (out.host.empty() || out.port.empty()) return std::nullopt;
    return out;
}

}  // namespace bench
