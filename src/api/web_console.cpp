#include "api/web_console.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/api_error.hpp"
#include "common/http/gzip.hpp"

namespace ambient::api {

namespace {

// Scripts and styles only from this origin and never inline, no framing, no third party:
// what the console needs and nothing more.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

struct TypeOf {
    std::string_view extension;
    std::string_view content_type;
    bool compressible;
};

constexpr TypeOf kTypes[] = {
    {".html", "text/html; charset=utf-8", true},
    {".js", "text/javascript; charset=utf-8", true},
    {".css", "text/css; charset=utf-8", true},
    {".map", "application/json", true},
    {".json", "application/json", true},
    {".svg", "image/svg+xml", true},
    {".txt", "text/plain; charset=utf-8", true},
    {".png", "image/png", false},
    {".ico", "image/x-icon", false},
    {".woff2", "font/woff2", false},
};

const TypeOf& type_of(const std::filesystem::path& file) {
    static constexpr TypeOf kUnknown{"", "application/octet-stream", false};
    const auto extension = file.extension().string();
    for (const auto& type : kTypes) {
        if (type.extension == extension) return type;
    }
    return kUnknown;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::ostringstream content;
    content << in.rdbuf();
    return std::move(content).str();
}

void add_security_headers(http::Response& response) {
    response.set_header("Content-Security-Policy", kContentSecurityPolicy);
    response.set_header("X-Frame-Options", "DENY");
    response.set_header("Referrer-Policy", "no-referrer");
    response.set_header("X-Content-Type-Options", "nosniff");
}

bool is_api_path(std::string_view path) {
    return path == "/api" || path.starts_with("/api/");
}

}  // namespace

WebConsole WebConsole::load(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    if (!fs::is_regular_file(dir / "index.html")) {
        throw std::runtime_error("web console: no index.html in " + dir.string());
    }
    WebConsole console;
    std::size_t total = 0;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        if (!it->is_regular_file() || it->is_symlink()) continue;
        const auto& type = type_of(it->path());
        File file{.content_type = std::string(type.content_type), .body = read_file(it->path())};
        total += file.body.size();
        if (total > kMaxWebConsoleBytes) {
            throw std::runtime_error("web console: " + dir.string() + " holds more than 64 MiB; is it a built web/?");
        }
        if (type.compressible && file.body.size() >= http::kGzipMinBytes) {
            file.gzipped = http::gzip_compress(file.body);
            if (file.gzipped.size() >= file.body.size()) file.gzipped.clear();
        }
        const auto url_path = "/" + fs::relative(it->path(), dir).generic_string();
        // The build names what is under assets/ by content hash: a changed file is a new URL.
        file.immutable = url_path.starts_with("/assets/");
        console.files_.emplace(url_path, std::move(file));
    }
    return console;
}

http::Response WebConsole::send(const File& file, bool accepts_gzip) const {
    http::Response response;
    response.status = 200;
    response.set_header("Content-Type", file.content_type);
    response.set_header("Cache-Control", file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (!file.gzipped.empty()) {
        response.set_header("Vary", "Accept-Encoding");
        if (accepts_gzip) {
            response.set_header("Content-Encoding", "gzip");
            response.body = file.gzipped;
        }
    }
    if (response.body.empty()) response.body = file.body;
    add_security_headers(response);
    return response;
}

http::Response WebConsole::respond(std::string_view path, bool wants_html, bool accepts_gzip) const {
    if (!is_api_path(path)) {
        if (const auto it = files_.find(path == "/" ? "/index.html" : path); it != files_.end()) {
            return send(it->second, accepts_gzip);
        }
        // A missing asset is a 404 even for a browser: index.html in its place would only
        // fail as a script or a stylesheet.
        if (wants_html && !path.starts_with("/assets/")) return send(files_.at("/index.html"), accepts_gzip);
    }
    throw ApiError(404, ErrorCode::NotFound, "The requested resource '" + std::string(path) + "' doesn't exist");
}

void register_web_console(http::Router& router, const WebConsole& console) {
    const auto handler = [&console](http::Request& request) {
        const auto accept = request.header("Accept").value_or("");
        const auto encoding = request.header("Accept-Encoding").value_or("");
        return console.respond(request.path, accept.find("text/html") != std::string_view::npos,
                               http::accepts_gzip(encoding));
    };
    // Client routes are at most two segments deep (/projects/{id}, /sessions/{id}); the
    // API's literal routes win over these parameters.
    for (const char* pattern : {"/", "/{page}", "/{page}/{id}", "/assets/{file}"}) {
        router.add({"GET", pattern, handler, true, "The web console (docs/web.md)", {}, http::Runs::OnIoThread});
    }
}

}  // namespace ambient::api
