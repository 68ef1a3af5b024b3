#include "common/http/upstream_origin.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

namespace ambient::http {
namespace {

namespace ip = boost::asio::ip;

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
        if (c != prefix[i]) return false;
    }
    return true;
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

bool is_forbidden_v4(const ip::address_v4& v4) {
    const auto b = v4.to_bytes();
    return b[0] == 169 && b[1] == 254;
}

// The IPv4 address an IPv6 one carries in its last four bytes when its first twelve say so.
bool embeds_v4(const ip::address_v6::bytes_type& b) {
    static constexpr std::array<unsigned char, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static constexpr std::array<unsigned char, 12> kCompatible = {};
    static constexpr std::array<unsigned char, 12> kNat64 = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    for (const auto* prefix : {&kMapped, &kCompatible, &kNat64}) {
        if (std::equal(prefix->begin(), prefix->end(), b.begin())) return true;
    }
    return false;
}

// The host as an address when it is written as one — including the forms only inet_aton
// reads ("2852039166", "0xa9.0xfe.0xa9.0xfe"), which the system resolver accepts as names.
std::optional<ip::address> literal_address(const std::string& host) {
    boost::system::error_code ec;
    const auto address = ip::make_address(host, ec);
    if (!ec) return address;
    in_addr v4{};
    if (::inet_aton(host.c_str(), &v4) != 0) return ip::address(ip::address_v4(ntohl(v4.s_addr)));
    return std::nullopt;
}

}  // namespace

bool is_forbidden_upstream(const ip::address& address) {
    if (address.is_v4()) return is_forbidden_v4(address.to_v4());
    const auto v6 = address.to_v6();
    if (v6.is_link_local()) return true;
    static const auto kEc2Metadata = ip::make_address_v6("fd00:ec2::254");
    if (v6 == kEc2Metadata) return true;
    const auto bytes = v6.to_bytes();
    if (embeds_v4(bytes)) {
        return is_forbidden_v4(ip::address_v4({bytes[12], bytes[13], bytes[14], bytes[15]}));
    }
    return false;
}

UpstreamOrigin parse_upstream_origin(std::string_view url) {
    constexpr std::string_view kHttp = "http://";
    constexpr std::string_view kHttps = "https://";
    UpstreamOrigin origin;
    std::string_view authority;
    if (iequals_prefix(url, kHttp)) {
        authority = url.substr(kHttp.size());
    } else if (iequals_prefix(url, kHttps)) {
        authority = url.substr(kHttps.size());
        origin.scheme = UpstreamOrigin::Scheme::Https;
    } else {
        throw OriginError("runner_url must be http://HOST:PORT or https://HOST:PORT");
    }
    if (authority.ends_with('/')) authority.remove_suffix(1);
    if (authority.find_first_of("/?#") != std::string_view::npos) {
        throw OriginError("runner_url must be an origin (http[s]://HOST:PORT), without a path, query or fragment");
    }
    if (authority.find('@') != std::string_view::npos) throw OriginError("runner_url must not carry userinfo");

    std::string_view host;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos || close + 1 >= authority.size() || authority[close + 1] != ':') {
            throw OriginError("runner_url must be http[s]://[IPv6]:PORT");
        }
        host = authority.substr(1, close - 1);
        port = authority.substr(close + 2);
        boost::system::error_code ec;
        ip::make_address_v6(std::string(host), ec);
        if (ec) throw OriginError("runner_url has a bad IPv6 address");
    } else {
        const auto colon = authority.rfind(':');
        if (colon == std::string_view::npos) throw OriginError("runner_url must name a port: http[s]://HOST:PORT");
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') {
            throw OriginError("runner_url has a bad host");
        }
        for (char c : host) {
            if (!is_name_char(c)) throw OriginError("runner_url has a bad host");
        }
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
        throw OriginError("runner_url has a bad port");
    }
    origin.host = std::string(host);
    origin.port = static_cast<std::uint16_t>(value);
    if (const auto address = literal_address(origin.host); address && is_forbidden_upstream(*address)) {
        throw OriginError("runner_url names a link-local or metadata address");
    }
    return origin;
}

std::string host_header(const UpstreamOrigin& origin) {
    const bool v6 = origin.host.find(':') != std::string::npos;
    return (v6 ? "[" + origin.host + "]" : origin.host) + ":" + std::to_string(origin.port);
}

}  // namespace ambient::http
