#include "cli/oidc_callback.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "cli/errors.hpp"

namespace ambient::cli {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A request line and headers larger than this are not a browser coming back.
constexpr std::size_t kMaxRequestBytes = 16 * 1024;
// How long one connection may take to send its request, so that a stray connection that
// sends nothing cannot hold the login.
constexpr auto kRequestTimeout = std::chrono::seconds(10);

int milliseconds_until(SteadyClock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1000 * 60));
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Query values as browsers send them: %XX escapes and '+' for a space. A broken escape is
// kept as it is (the value is then simply wrong, and the state or code check says so).
std::string form_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

struct CallbackRequest {
    std::string path;
    std::map<std::string, std::string> query;
};

// "GET /callback?code=x&state=y HTTP/1.1" → path and query; nullopt for anything else.
std::optional<CallbackRequest> parse_request_line(const std::string& head) {
    const auto line_end = head.find("\r\n");
    const auto line = head.substr(0, line_end);
    const auto first_space = line.find(' ');
    const auto second_space = line.find(' ', first_space + 1);
    if (first_space == std::string::npos || second_space == std::string::npos) return std::nullopt;
    if (line.substr(0, first_space) != "GET") return std::nullopt;
    const auto target = line.substr(first_space + 1, second_space - first_space - 1);
    CallbackRequest request;
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question == std::string::npos) return request;
    std::string_view query = std::string_view(target).substr(question + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        const auto key = form_decode(pair.substr(0, eq));
        const auto value = eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1));
        request.query.emplace(key, value);  // the first value of a repeated key wins
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
    return request;
}

// Reads until the end of the headers (a GET has no body), the size limit or the time limit.
std::optional<std::string> read_request_head(int fd) {
    std::string head;
    const auto until = SteadyClock::now() + kRequestTimeout;
    char buffer[2048];
    while (head.find("\r\n\r\n") == std::string::npos) {
        if (head.size() > kMaxRequestBytes) return std::nullopt;
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, milliseconds_until(until));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return std::nullopt;
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        head.append(buffer, static_cast<std::size_t>(n));
    }
    return head;
}

void send_page(int fd, int status, const std::string& reason, const std::string& message) {
    const std::string body = "<!DOCTYPE html><html><body><p>" + message + "</p></body></html>\n";
    const std::string response =
        "HTTP/1.1 " + std::to_string(status) + " " + reason +
        "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    std::size_t done = 0;
    while (done < response.size()) {
        const auto n = ::send(fd, response.data() + done, response.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

// Escapes text the issuer chose before it goes into the page.
std::string html_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

class Connection {
public:
    explicit Connection(int fd) : fd_(fd) {}
    ~Connection() { ::close(fd_); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

// What one callback request means: the code, nullopt to keep waiting, or a CliError.
std::optional<std::string> answer(int fd, const CallbackRequest& request, const std::string& state) {
    if (request.path != "/callback") {
        send_page(fd, 404, "Not Found", "Not found.");
        return std::nullopt;
    }
    const auto value = [&request](const char* key) {
        const auto it = request.query.find(key);
        return it == request.query.end() ? std::string() : it->second;
    };
    if (value("state") != state) {
        send_page(fd, 400, "Bad Request", "Login failed: the state does not match (possible CSRF).");
        throw CliError("login callback: state mismatch (possible CSRF); try 'acpctl login' again", kExitForbidden);
    }
    if (const auto error = value("error"); !error.empty()) {
        const auto description = value("error_description").empty() ? error : value("error_description");
        send_page(fd, 400, "Bad Request", "Login failed: " + html_escape(description));
        throw CliError("login refused by the issuer: " + description, kExitForbidden);
    }
    if (value("code").empty()) {
        send_page(fd, 400, "Bad Request", "Login failed: the callback carries no code.");
        throw CliError("login callback: no authorization code", kExitForbidden);
    }
    send_page(fd, 200, "OK", "Login successful. You may close this window.");
    return value("code");
}

}  // namespace

LoopbackCallback::LoopbackCallback() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw CliError(std::string("login callback: socket: ") + std::strerror(errno), kExitServer);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // the kernel picks a free port
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const std::string reason = std::strerror(errno);
        ::close(listener_);
        throw CliError("login callback: cannot listen on 127.0.0.1: " + reason, kExitServer);
    }
    port_ = ntohs(address.sin_port);
}

LoopbackCallback::~LoopbackCallback() {
    ::close(listener_);
}

std::string LoopbackCallback::redirect_uri() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/callback";
}

std::string LoopbackCallback::wait_for_code(const std::string& state, SteadyClock::time_point deadline) {
    while (SteadyClock::now() < deadline) {
        pollfd p{listener_, POLLIN, 0};
        const int ready = ::poll(&p, 1, milliseconds_until(deadline));
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        Connection connection(fd);
        const auto head = read_request_head(fd);
        const auto request = head ? parse_request_line(*head) : std::nullopt;
        if (!request) {
            send_page(fd, 400, "Bad Request", "Bad request.");
            continue;
        }
        if (auto code = answer(fd, *request, state)) return *code;
    }
    throw CliError("login timed out waiting for the browser to come back to the callback", kExitForbidden);
}

}  // namespace ambient::cli
