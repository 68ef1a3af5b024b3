#include "common/http/gzip.hpp"

#include <spdlog/spdlog.h>
#include <zlib.h>

#include <stdexcept>

#include "common/http/field_text.hpp"

namespace ambient::http {
namespace {

// "q=0", "q=0.0", "q=0.000" refuse the coding.
bool is_zero_quality(std::string_view params) {
    while (!params.empty()) {
        const auto semi = params.find(';');
        auto param = trim_whitespace(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
        auto value = param.substr(2);
        if (value.empty() || value[0] != '0') return false;
        value.remove_prefix(1);
        if (value.empty()) return true;
        if (value[0] != '.') return false;
        return value.find_first_not_of('0', 1) == std::string_view::npos;
    }
    return false;
}

std::string* find_header(Response& response, std::string_view name) {
    for (auto& [k, v] : response.headers) {
        if (iequals(k, name)) return &v;
    }
    return nullptr;
}

// 1xx, 204 and 304 responses have no body (RFC 9110 8.6).
bool status_has_body(int status) {
    return status >= 200 && status != 204 && status != 304;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
    while (!accept_encoding.empty()) {
        const auto comma = accept_encoding.find(',');
        const auto item = accept_encoding.substr(0, comma);
        accept_encoding = comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
        const auto semi = item.find(';');
        if (!iequals(trim_whitespace(item.substr(0, semi)), "gzip")) continue;
        return semi == std::string_view::npos || !is_zero_quality(item.substr(semi + 1));
    }
    return false;
}

std::string gzip_compress(std::string_view data) {
    z_stream zs{};
    // 16 + MAX_WBITS selects the gzip wrapper instead of raw zlib.
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
    std::string out;
    out.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    const auto produced = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
    out.resize(produced);
    return out;
}

void gzip_response(const Request& request, Response& response, std::size_t max_bytes) {
    const auto accept = request.header("Accept-Encoding");
    if (!accept || !accepts_gzip(*accept) || !status_has_body(response.status)) return;
    if (response.body.size() < kGzipMinBytes || response.body.size() > max_bytes) return;
    if (find_header(response, "Content-Encoding") != nullptr) return;
    try {
        response.body = gzip_compress(response.body);
    } catch (const std::exception& e) {
        spdlog::warn("gzip failed, sending identity: {}", e.what());
        return;
    }
    response.set_header("Content-Encoding", "gzip");
    if (auto* vary = find_header(response, "Vary")) {
        if (!icontains(*vary, "Accept-Encoding")) *vary += ", Accept-Encoding";
    } else {
        response.set_header("Vary", "Accept-Encoding");
    }
}

}  // namespace ambient::http
