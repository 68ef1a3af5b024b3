#include "runner/redaction/secret_forms.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/crypto/base64.hpp"

namespace ambient::runner::redaction {
namespace {

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

std::string percent_encode(std::string_view value, const char* hex) {
    std::string out;
    out.reserve(value.size() * 3);
    for (unsigned char c : value) {
        if (unreserved(c)) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string to_url_alphabet(std::string text) {
    std::replace(text.begin(), text.end(), '+', '-');
    std::replace(text.begin(), text.end(), '/', '_');
    return text;
}

std::string without_padding(std::string text) {
    while (!text.empty() && text.back() == '=')
        text.pop_back();
    return text;
}

// The base64 characters of `value` preceded by `offset` (0-2) other bytes and followed by
// anything: those whose six bits all come from `value`.
std::string aligned_core(std::string_view value, std::size_t offset) {
    const std::string encoded = crypto::base64_encode(std::string(offset, '\0') + std::string(value));
    const std::size_t first = (8 * offset + 5) / 6;
    const std::size_t last = 8 * (offset + value.size()) / 6;
    return last > first ? encoded.substr(first, last - first) : std::string();
}

}  // namespace

std::vector<std::string> secret_forms(std::string_view value, std::size_t min_length) {
    std::vector<std::string> forms;
    auto add = [&](std::string form) {
        if (form.size() < min_length) return;
        if (std::find(forms.begin(), forms.end(), form) == forms.end()) forms.push_back(std::move(form));
    };
    add(std::string(value));
    add(percent_encode(value, "0123456789ABCDEF"));
    add(percent_encode(value, "0123456789abcdef"));
    const std::string quoted =
        nlohmann::json(std::string(value)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    add(quoted.substr(1, quoted.size() - 2));
    const std::string standard = crypto::base64_encode(value);
    add(standard);
    add(without_padding(standard));
    add(to_url_alphabet(standard));
    add(to_url_alphabet(without_padding(standard)));
    for (std::size_t offset = 0; offset < 3; ++offset) {
        const std::string core = aligned_core(value, offset);
        add(core);
        add(to_url_alphabet(core));
    }
    return forms;
}

}  // namespace ambient::runner::redaction
