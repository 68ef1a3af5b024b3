#include "api/store/postgres/pg_url.hpp"

#include <cctype>
#include <vector>

namespace ambient::store::postgres {

namespace {

bool starts_with_password_key(std::string_view s) {
    constexpr std::string_view kKey = "password";
    if (s.size() < kKey.size()) return false;
    for (std::size_t i = 0; i < kKey.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) != kKey[i]) return false;
    }
    std::string_view rest = s.substr(kKey.size());
    while (!rest.empty() && rest.front() == ' ')
        rest.remove_prefix(1);
    return !rest.empty() && rest.front() == '=';
}

// Removes `password=…` from a key/value conninfo string (values may be single-quoted).
std::string redact_conninfo(std::string_view info) {
    std::string out;
    std::size_t i = 0;
    while (i < info.size()) {
        const bool at_word = i == 0 || info[i - 1] == ' ';
        if (at_word && starts_with_password_key(info.substr(i))) {
            std::size_t j = info.find('=', i) + 1;
            while (j < info.size() && info[j] == ' ')
                ++j;
            if (j < info.size() && info[j] == '\'') {
                ++j;
                while (j < info.size() && info[j] != '\'')
                    j += info[j] == '\\' ? 2 : 1;
                ++j;
            } else {
                while (j < info.size() && info[j] != ' ')
                    ++j;
            }
            i = j;
            while (i < info.size() && info[i] == ' ')
                ++i;
            continue;
        }
        out += info[i++];
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

}  // namespace

std::string redact_password(std::string_view url) {
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return redact_conninfo(url);

    const std::size_t authority_begin = scheme_end + 3;
    std::size_t authority_end = url.find_first_of("/?", authority_begin);
    if (authority_end == std::string_view::npos) authority_end = url.size();
    std::string_view authority = url.substr(authority_begin, authority_end - authority_begin);

    std::string out(url.substr(0, authority_begin));
    // The password is between the first ':' and the last '@' of the user-info part.
    const std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        std::string_view userinfo = authority.substr(0, at);
        out.append(userinfo.substr(0, userinfo.find(':')));
        out.append(authority.substr(at));
    } else {
        out.append(authority);
    }

    std::string_view rest = url.substr(authority_end);
    const std::size_t query = rest.find('?');
    out.append(rest.substr(0, query));
    if (query == std::string_view::npos) return out;

    std::vector<std::string_view> kept;
    std::string_view params = rest.substr(query + 1);
    while (!params.empty()) {
        const std::size_t amp = params.find('&');
        std::string_view param = params.substr(0, amp);
        if (!starts_with_password_key(param)) kept.push_back(param);
        if (amp == std::string_view::npos) break;
        params.remove_prefix(amp + 1);
    }
    if (!kept.empty()) {
        out += '?';
        for (std::size_t i = 0; i < kept.size(); ++i) {
            if (i > 0) out += '&';
            out.append(kept[i]);
        }
    }
    return out;
}

}  // namespace ambient::store::postgres
