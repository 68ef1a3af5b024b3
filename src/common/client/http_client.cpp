#include "common/client/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>

namespace ambient::client {
namespace {

struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

struct Transfer {
    HttpResponse response;
    const std::function<bool(std::string_view)>* on_data = nullptr;     // streaming
    const std::function<bool(const HttpResponse&)>* on_open = nullptr;  // streaming, 2xx headers done
    const std::atomic<bool>* stop = nullptr;
    bool stopped = false;
    // The read watchdog: a byte-silence limit, not libcurl's average-speed one, which a
    // ping every interval may or may not satisfy depending on how its samples fall.
    std::chrono::milliseconds idle_timeout{0};
    std::chrono::steady_clock::time_point last_byte = std::chrono::steady_clock::now();
    bool stalled = false;
    std::string* sink = nullptr;
    std::size_t max_body = 64 * 1024 * 1024;
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    t->last_byte = std::chrono::steady_clock::now();
    std::string_view line(data, size * n);
    if (line.starts_with("HTTP/")) {
        // A 100 Continue's headers are not the response's. The status is needed before the
        // body arrives, to decide where its bytes go.
        t->response.headers.clear();
        const auto sp = line.find(' ');
        if (sp != std::string_view::npos && line.size() >= sp + 4)
            t->response.status = std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
        return size * n;
    }
    if (line == "\r\n" || line == "\n") {
        const bool success = t->response.status >= 200 && t->response.status < 300;
        if (success && t->on_open != nullptr && *t->on_open && !(*t->on_open)(t->response)) {
            t->stopped = true;
            return 0;  // aborts the transfer
        }
        return size * n;
    }
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
            value.remove_suffix(1);
        t->response.headers.emplace_back(lower(line.substr(0, colon)), std::string(value));
    }
    return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    t->last_byte = std::chrono::steady_clock::now();
    const std::string_view piece(data, size * n);
    if (t->on_data != nullptr) {
        if (t->response.status >= 200 && t->response.status < 300) {
            if (!(*t->on_data)(piece)) {
                t->stopped = true;
                return 0;  // aborts the transfer
            }
            return piece.size();
        }
    }
    if (t->response.body.size() + piece.size() > t->max_body) return 0;
    t->response.body.append(piece);
    return piece.size();
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    if (t->stop != nullptr && t->stop->load()) {
        t->stopped = true;
        return 1;
    }
    if (t->idle_timeout.count() > 0 && std::chrono::steady_clock::now() - t->last_byte >= t->idle_timeout) {
        t->stalled = true;
        return 1;
    }
    return 0;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return v;
    return {};
}

HttpClient::HttpClient(std::string origin, ClientOptions options) : origin_(std::move(origin)), options_(options) {
    global_init();
    while (origin_.ends_with('/'))
        origin_.pop_back();
    if (!(origin_.starts_with("http://") || origin_.starts_with("https://")))
        throw std::invalid_argument("not an http(s) URL");
    const auto host_start = origin_.find("//") + 2;
    const auto authority = origin_.substr(host_start, origin_.find('/', host_start) - host_start);
    if (authority.empty() || authority.find('@') != std::string::npos)
        throw std::invalid_argument("an origin needs a host and no user information");
}

namespace {

// Runs one transfer. The status is set from the header callback's view as soon as known.
HttpResponse perform(const std::string& url, std::string_view method, std::string_view body, const Headers& headers,
                     const ClientOptions& options, Transfer& t, std::chrono::milliseconds total_timeout) {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw TransportError("curl_easy_init failed");
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
    if (total_timeout.count() > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
    if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
    // libcurl copies the blobs (CURL_BLOB_COPY), so they need not outlive the setopt.
    const auto set_blob = [c](CURLoption option, const std::string& pem) {
        if (pem.empty()) return;
        curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
        curl_easy_setopt(c, option, &blob);
    };
    set_blob(CURLOPT_CAINFO_BLOB, options.ca_pem);
    set_blob(CURLOPT_SSLCERT_BLOB, options.client_cert_pem);
    set_blob(CURLOPT_SSLKEY_BLOB, options.client_key_pem);
    if (!options.client_cert_pem.empty()) curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    if (options.insecure_skip_verify) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the server offers it
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);

    const std::string m(method);
    if (m == "GET") {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
        if (m != "DELETE" || !body.empty()) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        }
    }
    curl_slist* list = nullptr;
    for (const auto& [k, v] : headers)
        list = curl_slist_append(list, (k + ": " + v).c_str());
    if (!body.empty()) {
        const bool has_type =
            std::any_of(headers.begin(), headers.end(), [](const auto& h) { return lower(h.first) == "content-type"; });
        if (!has_type) list = curl_slist_append(list, "Content-Type: application/json");
    }
    list = curl_slist_append(list, "Expect:");
    std::unique_ptr<curl_slist, SlistDeleter> header_list(list);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);

    t.last_byte = std::chrono::steady_clock::now();
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK && !t.stopped) {
        const auto path_start = url.find('/', url.find("//") + 2);
        const std::string path =
            path_start == std::string::npos ? "/" : url.substr(0, url.find('?')).substr(path_start);
        if (t.stalled) {
            throw StreamStalled("no byte for " + std::to_string(t.idle_timeout.count()) + " ms (" + m + " " + path +
                                ")");
        }
        throw TransportError(std::string(curl_easy_strerror(rc)) + " (" + m + " " + path + ")");
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status != 0) t.response.status = static_cast<int>(status);
    return std::move(t.response);
}

}  // namespace

HttpResponse HttpClient::request(std::string_view method, std::string_view path, std::string_view body,
                                 const Headers& headers) const {
    Transfer t;
    return perform(origin_ + std::string(path), method, body, headers, options_, t, options_.request_timeout);
}

HttpResponse HttpClient::stream(std::string_view path, const Headers& headers,
                                const std::function<bool(std::string_view)>& on_data, const std::atomic<bool>* stop,
                                std::chrono::milliseconds idle_timeout,
                                const std::function<bool(const HttpResponse&)>& on_open) const {
    Transfer t;
    t.on_data = &on_data;
    t.on_open = &on_open;
    t.stop = stop;
    t.max_body = 1024 * 1024;  // an error body
    t.idle_timeout = idle_timeout;
    return perform(origin_ + std::string(path), "GET", {}, headers, options_, t, std::chrono::milliseconds(0));
}

std::string url_encode(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

}  // namespace ambient::client
