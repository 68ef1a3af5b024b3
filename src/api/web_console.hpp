#pragma once
// The web console (docs/web.md): the files of a built web/ app, read into memory once at
// startup and served under / beside the API. Only files found at startup are ever served, so
// no request path can reach another file; a path that names none answers index.html to a
// browser (the app routes on the client) and 404 to anything else.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "common/http/message.hpp"
#include "common/http/router.hpp"

namespace ambient::api {

// Read at most this much from a web directory: a wrong --web-dir (a home directory, /) stops
// startup instead of filling memory.
inline constexpr std::size_t kMaxWebConsoleBytes = 64 * 1024 * 1024;

class WebConsole {
public:
    // Every regular file under `dir` (symbolic links are skipped); throws std::runtime_error
    // when `dir` has no index.html or holds more than kMaxWebConsoleBytes.
    static WebConsole load(const std::filesystem::path& dir);

    std::size_t file_count() const { return files_.size(); }

    // The answer to GET `path` (decoded, starting with '/'): the file it names, or index.html
    // when `wants_html` (a browser navigating to a client route), else 404. Files under
    // /assets/ carry a content hash in their names and are cached for a year; the rest,
    // index.html above all, are revalidated every time. Gzip-encoded when `accepts_gzip` and
    // worth it. Every answer carries the console's security headers.
    http::Response respond(std::string_view path, bool wants_html, bool accepts_gzip) const;

private:
    struct File {
        std::string content_type;
        std::string body;
        std::string gzipped;  // empty: not worth compressing
        bool immutable = false;
    };

    http::Response send(const File& file, bool accepts_gzip) const;

    std::map<std::string, File, std::less<>> files_;  // by URL path, e.g. "/assets/main-3F2A.js"
};

// Adds GET routes for /, the files and client routes one or two segments deep; the console
// outlives the router. /api/... paths never reach index.html.
void register_web_console(http::Router& router, const WebConsole& console);

}  // namespace ambient::api
