#include "support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace ambient::testing {

namespace {

constexpr int kIoTimeoutMs = 30'000;
constexpr std::size_t kMaxHead = 64 * 1024;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

struct Head {
    std::string start_line;
    std::vector<std::pair<std::string, std::string>> fields;

    std::optional<std::string> field(const std::string& name) const {
        for (const auto& [n, v] : fields)
            if (lower(n) == name) return v;
        return std::nullopt;
    }
};

Head parse_head(const std::string& text) {
    Head head;
    std::size_t pos = 0;
    bool first = true;
    while (pos < text.size()) {
        auto eol = text.find("\r\n", pos);
        if (eol == std::string::npos) eol = text.size();
        const auto line = text.substr(pos, eol - pos);
        pos = eol + 2;
        if (first) {
            head.start_line = line;
            first = false;
        } else if (const auto colon = line.find(':'); colon != std::string::npos) {
            auto value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(" \t"));
            head.fields.emplace_back(line.substr(0, colon), value);
        }
    }
    return head;
}

// The head again, minus the fields named in `drop`, plus `extra` lines.
std::string render_head(const Head& head, const std::vector<std::string>& drop, const std::string& extra) {
    std::string out = head.start_line + "\r\n";
    for (const auto& [n, v] : head.fields) {
        if (std::find(drop.begin(), drop.end(), lower(n)) == drop.end()) out += n + ": " + v + "\r\n";
    }
    return out + extra + "\r\n";
}

std::string dechunk(const std::string& body) {
    std::string out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        const auto eol = body.find("\r\n", pos);
        if (eol == std::string::npos) break;
        const auto size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
        if (size == 0) break;
        out += body.substr(eol + 2, size);
        pos = eol + 2 + size + 2;
    }
    return out;
}

}  // namespace

FaultProxy::Action FaultProxy::Action::fail(int status, std::string body) {
    Action a;
    a.kind = Kind::Fail;
    a.status = status;
    a.body = std::move(body);
    return a;
}

FaultProxy::Action FaultProxy::Action::rewrite_with(std::function<std::string(int, const std::string&)> f) {
    Action a;
    a.kind = Kind::Rewrite;
    a.rewrite = std::move(f);
    return a;
}

struct FaultProxy::State {
    std::string upstream_host;
    std::uint16_t upstream_port = 0;
    int listen_fd = -1;
    int wake[2] = {-1, -1};  // written once at shutdown: every poll below watches it
    std::uint16_t port = 0;
    std::atomic<std::size_t> faults{0};

    std::mutex mutex;
    std::condition_variable idle;
    Rule rule;
    std::size_t active = 0;  // connection threads still running
    std::thread acceptor;

    ~State() {
        for (const int fd : {listen_fd, wake[0], wake[1]})
            if (fd >= 0) ::close(fd);
    }

    Rule current_rule() {
        std::lock_guard lock(mutex);
        return rule;
    }

    // Waits until `fd` is ready for `events` or the proxy stops; false on stop or timeout.
    bool wait(int fd, short events) const {
        pollfd fds[2] = {{fd, events, 0}, {wake[0], POLLIN, 0}};
        const int n = ::poll(fds, 2, kIoTimeoutMs);
        if (n <= 0 || (fds[1].revents & POLLIN)) return false;
        return true;
    }

    bool write_all(int fd, const std::string& data) const {
        std::size_t done = 0;
        while (done < data.size()) {
            if (!wait(fd, POLLOUT)) return false;
            const auto n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }

    // Appends what is available; false on end of stream, error, timeout or stop.
    bool read_some(int fd, std::string& into) const {
        if (!wait(fd, POLLIN)) return false;
        char buf[16384];
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return false;
        into.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    int connect_upstream() const {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(upstream_port);
        ::inet_pton(AF_INET, upstream_host.c_str(), &addr.sin_addr);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }

    // Both directions until either side ends.
    void pipe(int a, int b) const {
        char buf[16384];
        for (;;) {
            pollfd fds[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {wake[0], POLLIN, 0}};
            // No timeout: a stream (a watch) may be idle for long; stop wakes it.
            if (::poll(fds, 3, -1) <= 0 || (fds[2].revents & POLLIN)) return;
            for (int i = 0; i < 2; ++i) {
                if (fds[i].revents == 0) continue;
                const int from = i == 0 ? a : b;
                const int to = i == 0 ? b : a;
                const auto n = ::recv(from, buf, sizeof buf, 0);
                if (n <= 0) return;
                if (!write_all(to, std::string(buf, static_cast<std::size_t>(n)))) return;
            }
        }
    }

    void serve(int client) {
        std::string data;
        std::size_t head_end = std::string::npos;
        while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
            if (data.size() > kMaxHead || !read_some(client, data)) return;
        }
        const Head head = parse_head(data.substr(0, head_end));
        std::string rest = data.substr(head_end + 4);
        Request request;
        {
            const auto sp1 = head.start_line.find(' ');
            const auto sp2 = head.start_line.find(' ', sp1 + 1);
            request.method = head.start_line.substr(0, sp1);
            request.target = head.start_line.substr(sp1 + 1, sp2 - sp1 - 1);
        }
        if (const auto length = head.field("content-length")) {
            const auto want = std::stoul(*length);
            while (rest.size() < want)
                if (!read_some(client, rest)) return;
            request.body = rest.substr(0, want);
        }
        const auto rule = current_rule();
        const Action action = rule ? rule(request) : Action::forward();
        if (action.kind == Action::Kind::Fail) {
            ++faults;
            write_all(client, "HTTP/1.1 " + std::to_string(action.status) +
                                  " Injected Fault\r\nContent-Type: application/json\r\nContent-Length: " +
                                  std::to_string(action.body.size()) + "\r\nConnection: close\r\n\r\n" + action.body);
            return;
        }
        const int upstream = connect_upstream();
        if (upstream < 0) return;
        // A response to rewrite is asked for uncompressed, so the rule sees its text.
        std::vector<std::string> drop = {"connection", "keep-alive"};
        if (action.kind == Action::Kind::Rewrite) drop.push_back("accept-encoding");
        const std::string out = render_head(head, drop, "Connection: close\r\n") + rest;
        if (write_all(upstream, out)) {
            if (action.kind == Action::Kind::Forward) {
                pipe(client, upstream);
            } else {
                rewrite(client, upstream, action);
            }
        }
        ::close(upstream);
    }

    void rewrite(int client, int upstream, const Action& action) {
        std::string response;
        while (read_some(upstream, response)) {
        }
        const auto head_end = response.find("\r\n\r\n");
        if (head_end == std::string::npos) return;
        const Head head = parse_head(response.substr(0, head_end));
        std::string body = response.substr(head_end + 4);
        if (lower(head.field("transfer-encoding").value_or("")).find("chunked") != std::string::npos)
            body = dechunk(body);
        const int status = std::stoi(head.start_line.substr(head.start_line.find(' ') + 1, 3));
        const std::string changed = action.rewrite(status, body);
        if (changed != body) ++faults;
        write_all(client,
                  render_head(head, {"content-length", "transfer-encoding", "connection"},
                              "Content-Length: " + std::to_string(changed.size()) + "\r\nConnection: close\r\n") +
                      changed);
    }

    void accept_loop(const std::shared_ptr<State>& self) {
        for (;;) {
            pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
            if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN)) return;
            const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            {
                std::lock_guard lock(mutex);
                ++active;
            }
            // Detached, holding the state: the destructor waits for `active` to drop to 0.
            std::thread([self, client] {
                try {
                    self->serve(client);
                } catch (const std::exception&) {
                    // A malformed message ends its connection only.
                }
                ::close(client);
                std::lock_guard lock(self->mutex);
                --self->active;
                self->idle.notify_all();
            }).detach();
        }
    }
};

FaultProxy::FaultProxy(std::string upstream_host, std::uint16_t upstream_port) : state_(std::make_shared<State>()) {
    state_->upstream_host = std::move(upstream_host);
    state_->upstream_port = upstream_port;
    if (::pipe2(state_->wake, O_CLOEXEC) != 0) throw std::runtime_error("fault proxy: pipe failed");
    state_->listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(state_->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(state_->listen_fd, 128) != 0 ||
        ::getsockname(state_->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        throw std::runtime_error("fault proxy: cannot listen");
    }
    state_->port = ntohs(addr.sin_port);
    state_->acceptor = std::thread([s = state_] { s->accept_loop(s); });
}

FaultProxy::~FaultProxy() {
    (void)!::write(state_->wake[1], "x", 1);
    state_->acceptor.join();
    std::unique_lock lock(state_->mutex);
    state_->idle.wait(lock, [&] { return state_->active == 0; });
}

void FaultProxy::set_rule(Rule rule) {
    std::lock_guard lock(state_->mutex);
    state_->rule = std::move(rule);
}

std::uint16_t FaultProxy::port() const {
    return state_->port;
}

std::string FaultProxy::base_url() const {
    return "http://127.0.0.1:" + std::to_string(state_->port);
}

std::size_t FaultProxy::faults() const {
    return state_->faults.load();
}

}  // namespace ambient::testing
