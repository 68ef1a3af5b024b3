#pragma once
// The request methods the platform knows: those of RFC 9110 section 9 and PATCH (RFC 5789),
// spelled as they must be, since method names are case-sensitive ("get" is not GET). The
// HTTP server answers any other 501; the metrics label any other "other".
#include <array>
#include <string_view>

namespace ambient {

inline constexpr std::array<std::string_view, 9> kKnownHttpMethods = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                                      "CONNECT", "OPTIONS", "TRACE", "PATCH"};

inline bool is_known_http_method(std::string_view method) {
    for (const auto known : kKnownHttpMethods) {
        if (method == known) return true;
    }
    return false;
}

}  // namespace ambient
